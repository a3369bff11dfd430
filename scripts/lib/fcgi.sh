# shellcheck shell=bash
# Endpoint processes that the web server does not spawn, under spawn-fcgi:
# every endpoint under Apache, and the verifiers (jwks and the authorizer)
# under both servers. The verifiers run as VERIFY_USER, in the service
# user's group: they read auth.conf and the public keys, never a private
# key (<kid>.key is 0600, the service user's). As a non-root user
# everything runs as that user and there is no such separation.
#
# An instance's fcgi.kv holds what starting them needs (the
# authorizer's TCP port, the processes per endpoint); their PIDs go to
# run/fcgi/NAME.pid, and stopping kills them by those PIDs.
FCGI_PROCS=2		# processes per endpoint (lighttpd.conf's auth_procs)

# Writes instance $1's fcgi.kv: processes per endpoint $2 (empty: the
# default), a free TCP port for the authorizer other than the instance's
# port $3. Prints that port.
fcgi_plan() {
	local d=$1 procs=${2:-$FCGI_PROCS} aport
	aport=$(pick_port "$3 ${PORTS[*]}")
	write_kv "$d/fcgi.kv" "authorizer_port=$aport" "procs=$procs"
	echo "$aport"
}

# True if endpoint $1 is a verifier (endpoints.list kinds verify, authorizer).
fcgi_verifier() {
	"$ROOT/scripts/endpoints" names verifiers | grep -qx "$1"
}

# Starts spawn-fcgi for endpoint $2 of instance $1 with the socket or TCP
# arguments that follow. LIBEXEC (default the stack's) may name another
# directory of executables (valgrind's wrappers).
fcgi_spawn() {
	local d=$1 name=$2 run exe procs extra=() as=as_svc
	shift 2
	local -A kv=()
	read_kv "$d/fcgi.kv" kv
	procs=${kv[procs]:-$FCGI_PROCS}
	run=$(cd -P "$d/run" && pwd)
	exe=${LIBEXEC:-${ST[prefix]}/libexec/authd}/$name.fcgi
	if [[ ! -x $exe ]]; then
		warn "the web server routes to $name.fcgi, which is not installed"
		return 0
	fi
	mapfile -t extra < <(endpoint_env)
	if fcgi_verifier "$name"; then
		as=as_verify
		mapfile -t -O "${#extra[@]}" extra < <(redis_verify_env "${ST[dir]}")
	fi
	rm -f "$run/fcgi/$name.pid"
	"$as" "AUTH_CONFIG=$d/auth.conf" "${extra[@]}" spawn-fcgi "$@" \
		-F "$procs" -P "$run/fcgi/$name.pid" -- \
		/bin/sh -c 'exec 2>>"$1"; exec "$0"' "$exe" "$d/log/endpoints.log" \
		>/dev/null
}

# The verifiers of instance $1: jwks on its socket (the web server, as
# the service user, may connect: group mode), the authorizer on its port.
fcgi_start_verifiers() {
	local d=$1 run
	local -A kv=()
	read_kv "$d/fcgi.kv" kv
	run=$(cd -P "$d/run" && pwd)
	fcgi_shared "$d" "$run"
	for name in $("$ROOT/scripts/endpoints" names verify); do
		rm -f "$run/$name.sock"
		fcgi_spawn "$d" "$name" -s "$run/$name.sock" -M 0660
	done
	fcgi_spawn "$d" authorizer -a 127.0.0.1 -p "${kv[authorizer_port]}"
}

# What the verifiers write beside the service user's processes (group
# write): their sockets and PID files in run dir $2, the endpoint log
# (appended by both) and a sanitizer build's report directory.
fcgi_shared() {
	local d=$1 run=$2 log=$1/log/endpoints.log
	as_svc mkdir -p "$run/fcgi"
	((EUID == 0)) || return 0
	[[ -e $log ]] || as_svc touch "$log"
	chmod g+w "$run" "$run/fcgi" "$log"
	[[ -z ${ST[san]:-} ]] || chmod g+w "${ST[san]}"
	[[ -z ${ST[valgrind]:-} ]] || chmod g+w "${ST[valgrind]}/valgrind"
}

# Stops every process of instance $1 that spawn-fcgi started.
fcgi_stop() {
	local d=$1 run pid f
	run=$(cd -P "$d/run" 2>/dev/null && pwd) || return 0
	for f in "$run"/fcgi/*.pid; do
		[[ -f $f ]] || continue
		# spawn-fcgi writes no newline after the last PID: read it too.
		while read -r pid || [[ -n $pid ]]; do
			[[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || continue
			[[ $(ps -o args= -p "$pid" 2>/dev/null) == */*.fcgi* ]] || continue
			kill -TERM "$pid" 2>/dev/null || true
			reap "$pid" 5
		done <"$f"
		rm -f "$f"
	done
}
