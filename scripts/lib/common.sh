# shellcheck shell=bash
# Common ground of scripts/dev and bench/run: the layout constants, messages,
# processes and ports, key=value files, and the var/ layout.
# Sourced (bash); defines, runs nothing but the assignments below.

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
VAR=$ROOT/var
SVC_USER=authd
VERIFY_USER=authd-verify	# jwks and the authorizer (fcgi.sh)
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DEFAULT_PORT=8080
RUNDIR_MAX=60	# leaves room for "/verify-email.sock-NN" within sun_path

# Files the stacks write are readable by the service user.
umask 022

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'scripts/dev: %s\n' "$*" >&2; exit 1; }

# ---- processes, ports, files -----------------------------------------------

# Runs a command as the service user with a clean environment (a stray AUTH_*
# variable would override auth.conf). Extra NAME=VALUE words may precede it.
as_svc() {
	as_user "$SVC_USER" "$@"
}

# The same as the verifiers' user (in the service user's group).
as_verify() {
	as_user "$VERIFY_USER" "$@"
}

as_user() {
	local user=$1 base=(PATH="$CLEAN_PATH" LANG=C.UTF-8 HOME=/)
	shift
	if ((EUID == 0)); then
		(cd / && exec setpriv --reuid="$user" --regid="$SVC_USER" \
			--init-groups -- env -i "${base[@]}" "$@")
	else
		(cd / && exec env -i "${base[@]}" "$@")
	fi
}

# Gives a path to the service user (as root; otherwise everything is ours).
svc_own() {
	((EUID == 0)) && chown -R "$SVC_USER:$SVC_USER" "$@"
	return 0
}

ensure_svc_user() {
	((EUID == 0)) || return 0
	if ! id -u "$SVC_USER" >/dev/null 2>&1; then
		say "creating system user $SVC_USER"
		useradd --system --user-group --no-create-home \
			--shell /usr/sbin/nologin "$SVC_USER"
	fi
	id -u "$VERIFY_USER" >/dev/null 2>&1 && return 0
	say "creating system user $VERIFY_USER (group $SVC_USER)"
	useradd --system --gid "$SVC_USER" --no-create-home \
		--shell /usr/sbin/nologin "$VERIFY_USER"
}

# A random 48-hex-digit secret.
gen_secret() {
	od -An -tx1 -N24 /dev/urandom | tr -d ' \n'
}

# True if the process lives (a zombie counts as gone).
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

# Waits up to $2 seconds for PID $1 to end; TERM and KILL if it lingers.
reap() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	sleep 0.2
	! alive "$pid"
}

# Reads the PID in file $1 if that process lives and its name is $2.
pidfile_pid() {
	local file=$1 comm=$2 pid
	[[ -s $file ]] || return 1
	read -r pid <"$file" || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	alive "$pid" || return 1
	[[ $(ps -o comm= -p "$pid" 2>/dev/null) == "$comm" ]]
}

port_free() {
	[[ -z $(ss -Hltn "sport = :$1" 2>/dev/null) ]] && ! port_open "$1"
}

# True if something accepts connections on 127.0.0.1 port $1.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# await_start NAME LOG COMMAND...: runs COMMAND every 0.1 s until it
# succeeds, at most 10 s; then shows LOG's last lines and stops with
# "NAME did not start".
await_start() {
	local what=$1 log=$2 i
	shift 2
	for ((i = 0; i < 100; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	tail -n 20 "$log" >&2 || true
	die "$what did not start"
}

# Prints a free TCP port not in the words of $1 (and never 8080), below the
# kernel's ephemeral range: a port from that range can be taken by any
# outgoing connection between this check and the server's bind.
pick_port() {
	local taken=" ${1:-} " p i lo=32768 rest
	read -r lo rest </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[[ $lo =~ ^[0-9]+$ ]] && ((lo > 15000)) || lo=32768
	for ((i = 0; i < 200; i++)); do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
		[[ $p == "$DEFAULT_PORT" || $taken == *" $p "* ]] && continue
		port_free "$p" && { echo "$p"; return 0; }
	done
	die "no free TCP port found"
}

# Reads key=value lines of $1 into the associative array named $2; only
# [a-z][a-z0-9_]* keys, no shell evaluation.
# shellcheck disable=SC2034 # kv_out is a nameref to the caller's array
read_kv() {
	local -n kv_out=$2
	local line
	[[ -f $1 ]] || return 1
	while IFS= read -r line; do
		[[ $line =~ ^([a-z][a-z0-9_]*)=(.*)$ ]] || continue
		kv_out["${BASH_REMATCH[1]}"]=${BASH_REMATCH[2]}
	done <"$1"
}

# Writes key=value lines (the remaining arguments) to $1 atomically.
write_kv() {
	local file=$1
	shift
	printf '%s\n' "$@" >"$file.tmp"
	mv -f "$file.tmp" "$file"
}

# Runs "$@" with errexit in a subshell; the status lands in TRY_RC. Call it
# as a plain command (not inside if/||), or bash ignores errexit inside.
try() {
	set +e
	(
		set -e
		"$@"
	)
	# shellcheck disable=SC2034 # read by the callers
	TRY_RC=$?
	set -e
}

# ---- layout ----------------------------------------------------------------

# As root, the service user must reach var/: if it cannot (the repository
# lives under a private directory), state and installs go to /var/tmp and
# var/<name> becomes a symlink to them.
BASE=
init_layout() {
	mkdir -p "$VAR"
	BASE=$VAR
	((EUID == 0)) || return 0
	ensure_svc_user
	as_svc test -x "$VAR" && return 0
	BASE=/var/tmp/authd-$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
	install -d -m 0755 "$BASE"
	say "$SVC_USER cannot reach $VAR; using $BASE (symlinked from var/)"
}

# Prints the physical path of var/$1, creating it.
place() {
	local name=$1
	if [[ $BASE == "$VAR" ]]; then
		mkdir -p "$VAR/$name"
		(cd -P "$VAR/$name" && pwd)
		return
	fi
	mkdir -p "$BASE/$name"
	if [[ -e $VAR/$name && ! -L $VAR/$name ]]; then
		die "$VAR/$name exists and is not a symlink to $BASE/$name; remove it"
	fi
	ln -sfn "$BASE/$name" "$VAR/$name"
	echo "$BASE/$name"
}

# A directory for sockets: $1 itself if short enough, else a fresh private
# directory in /tmp that $1 links to. Prints the physical path.
make_rundir() {
	local want=$1 short
	if ((${#want} <= RUNDIR_MAX)); then
		mkdir -p "$want"
		echo "$want"
		return
	fi
	if [[ -L $want && -d $want && ! -L $(readlink "$want") ]]; then
		short=$(readlink "$want")
		if [[ $short == /tmp/authd.* && $(stat -c %u "$short") == "$(id -u "${SVC_USER}" 2>/dev/null || id -u)" ]]; then
			echo "$short"
			return
		fi
	fi
	short=$(mktemp -d /tmp/authd.XXXXXX)
	ln -sfn "$short" "$want"
	echo "$short"
}
