# shellcheck shell=bash
# A stack: its layout, config files, start and stop.

# Every web-server instance answers here; stack_start waits this long.
HEALTH_PATH=/auth/health
HEALTH_TIMEOUT=30

# Services of a stack, in start order (stopped in reverse). Each NAME has
# svc_NAME_start STACK and svc_NAME_stop STACK.
SERVICES=(pg redis smtp)

# Web servers. Each NAME has web_NAME_render INSTANCE_DIR PORT,
# web_NAME_start INSTANCE_DIR, web_NAME_stop INSTANCE_DIR and
# web_NAME_logs INSTANCE_DIR (prints its log files).
# shellcheck disable=SC2034 # read by scripts/dev and bench/run
WEB_SERVERS=(lighttpd apache cgi)

# Instances of a test stack; a dev stack has only main. Each has its
# settings in STACK_CONF_DIR/NAME.conf, merged into its auth.conf after
# STACK_CONF_DIR/mail.conf (see write_auth_conf).
TEST_INSTANCES="main alt rl rl2"
STACK_CONF_DIR=$ROOT/tests/e2e/stack
# The instances of a two-node stack (twonode.sh) and their web servers.
TWONODE_INSTANCES="main node2"
declare -A TWONODE_SERVERS=([main]=lighttpd [node2]=apache)
TWONODE_SERVICES=(pg pgbouncer redis redis2 sentinel smtp)

# Endpoint processes per endpoint of the rate-limit instances rl and rl2:
# one, so that the in-process counts of a Redis outage are exact.
RL_PROCS=1

# ---- a stack ---------------------------------------------------------------
# A stack is described by two root-written files: "stack" (prefix, server,
# instances, run dirs) and "ports". Everything the servers write lives in
# subdirectories owned by the service user.

declare -A ST=() PORTS=()

load_stack() {
	local s=$1
	ST=() PORTS=()
	read_kv "$s/stack" ST || die "$s is not a stack directory (no stack file)"
	read_kv "$s/ports" PORTS || die "$s has no ports file"
	ST[dir]=$(cd -P "$s" && pwd)
}

# Directory of instance $2 of stack $1.
inst_dir() {
	if [[ $2 == main ]]; then echo "$1"; else echo "$1/$2"; fi
}

# Web server of instance $1 of the loaded stack.
inst_server() {
	echo "${ST[server_$1]:-${ST[server]}}"
}

inst_port() {
	if [[ $1 == main ]]; then echo "${PORTS[http_port]}"; else echo "${PORTS[${1}_port]}"; fi
}

conninfo() {
	local s=$1 pw
	pw=$(<"$s/pg/password")
	echo "host=${ST[run_main]} port=${PORTS[pg_port]} dbname=auth user=authd password=$pw"
}

# Prints port $1 (a stack's earlier one) if it is free and not in the words
# of $2, else a free port not in them.
keep_port() {
	if [[ -n $1 && $2 != *" $1 "* ]] && port_free "$1"; then
		echo "$1"
	else
		pick_port "$2"
	fi
}

# stack_create DIR BUILD SERVER HTTP_PORT [dev|test] [san]
# Lays out (or refreshes) a stack directory and writes every config file.
# A test stack has the instances of TEST_INSTANCES, a dev stack only main.
stack_create() {
	local s=$1 build=$2 server=$3 http=$4 kind=${5:-dev} want_san=${6:-}
	local prefix pg redis smtp inst d taken p
	local -A old=()
	prefix=$(prefix_of "$build")
	[[ -x $prefix/bin/authctl ]] || die "$prefix/bin/authctl missing: build $build first"
	mkdir -p "$s"
	chmod 0755 "$s"
	read_kv "$s/ports" old || true
	taken=" $http "
	pg=$(keep_port "${old[pg_port]:-}" "$taken")
	taken+="$pg "
	redis=$(keep_port "${old[redis_port]:-}" "$taken")
	taken+="$redis "
	smtp=$(keep_port "${old[smtp_port]:-}" "$taken")
	taken+="$smtp "
	local instances=main extra_ports=() servers=()
	[[ $kind == test ]] && instances=$TEST_INSTANCES
	if [[ $kind == twonode ]]; then
		instances=$TWONODE_INSTANCES
		for inst in $instances; do servers+=("server_$inst=${TWONODE_SERVERS[$inst]}"); done
		servers+=("services=${TWONODE_SERVICES[*]}")
		for inst in pgbouncer redis2 sentinel1 sentinel2 sentinel3; do
			p=$(pick_port "$taken")
			taken+="$p "
			extra_ports+=("${inst}_port=$p")
		done
	fi
	for inst in $instances; do
		[[ $inst == main ]] && continue
		p=$(pick_port "$taken")
		taken+="$p "
		extra_ports+=("${inst}_port=$p")
	done

	mkdir -p "$s"/{pg,redis,keys,log,www}
	mkdir -p "$s"/{mail,mail-files}
	install -m 0755 "$ROOT/scripts/smtp-sink" "$s/smtp-sink"
	[[ $want_san == san ]] && mkdir -p "$s/san"
	local runs=()
	for inst in $instances; do
		d=$(inst_dir "$s" "$inst")
		mkdir -p "$d/log" "$d/www"
		runs+=("run_$inst=$(make_rundir "$d/run")")
	done
	write_kv "$s/stack" "prefix=$prefix" "build=$build" "server=$server" \
		"kind=$kind" "instances=$instances" "${runs[@]}" "${servers[@]}" \
		"san=$([[ $want_san == san ]] && echo "$s/san")" \
		"valgrind=$([[ $want_san == valgrind ]] && echo "$s")"
	write_kv "$s/ports" "pg_port=$pg" "redis_port=$redis" "http_port=$http" \
		"smtp_port=$smtp" \
		"${extra_ports[@]}"
	load_stack "$s"
	[[ $want_san == valgrind ]] && valgrind_wrappers "$s" "$prefix"
	for inst in $instances; do
		d=$(inst_dir "$s" "$inst")
		svc_own "$d/log" "$d/www" "${ST[run_$inst]}"
	done
	svc_own "$s"/{pg,redis,keys} ${ST[san]:+"${ST[san]}"}
	svc_own "$s"/{mail,mail-files}

	pg_init "$s"
	[[ $kind == twonode ]] && pgbouncer_write_conf "$s"
	redis_write_conf "$s"
	[[ $kind == twonode ]] && sentinel_write_conf "$s"
	for inst in $instances; do
		write_auth_conf "$s" "$inst"
		"web_$(inst_server "$inst")_render" "$(inst_dir "$s" "$inst")" "$(inst_port "$inst")" \
			"$(inst_procs "$inst")"
	done
}

# Endpoint processes per endpoint of instance $1 (empty: the template's).
inst_procs() {
	case ${ST[kind]:-}:$1 in
	*:rl | *:rl2) echo "$RL_PROCS" ;;
	twonode:*) echo "$TWONODE_PROCS" ;;
	esac
}

# auth.conf lines every instance of stack $1 gets; $2 is the instance's port.
auth_conf_base() {
	local s=$1 port=$2
	if [[ ${ST[kind]:-} == twonode ]]; then
		echo "database_url = $(pgbouncer_conninfo "$s")"
		echo "database_pooler = transaction"
	else
		echo "database_url = $(conninfo "$s")"
	fi
	redis_settings "$s"
	echo "public_url = http://127.0.0.1:$port"
	echo "issuer = http://127.0.0.1:${PORTS[http_port]}"
	echo "audience = authd"
	echo "keys_dir = $s/keys"
	echo "outbox_key_file = $s/keys/outbox.seal"
	echo "hmac_key_file = $s/keys/hmac.key"
	mail_settings "$s"
}

# Sets the variable named $2 to the key of auth.conf line $1; false for a
# line that sets nothing (blank or a comment).
conf_key() {
	local -n key_out=$2
	[[ $1 =~ ^[[:space:]]*([a-z][a-z0-9_]*)[[:space:]]*= ]] || return 1
	# shellcheck disable=SC2034 # key_out is a nameref to the caller's variable
	key_out=${BASH_REMATCH[1]}
}

# Prints the auth.conf lines read on stdin merged with the settings files
# named by the arguments (auth.conf syntax): a key a file sets replaces the
# line of that key where it stands, a new key goes to the end; a later file
# wins over an earlier one. The files' comments and blank lines are left out.
conf_merge() {
	local lines=() line key f
	local -A at=()
	while IFS= read -r line; do
		conf_key "$line" key && at[$key]=${#lines[@]}
		lines+=("$line")
	done
	for f in "$@"; do
		[[ -f $f ]] || die "no settings file $f"
		while IFS= read -r line || [[ -n $line ]]; do
			[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
			conf_key "$line" key || die "$f: not a setting: $line"
			if [[ -n ${at[$key]:-} ]]; then
				lines[${at[$key]}]=$line
			else
				at[$key]=${#lines[@]}
				lines+=("$line")
			fi
		done <"$f"
	done
	printf '%s\n' "${lines[@]}"
}

# Settings files of instance $1 of the loaded stack: a test stack's
# instances get the mail settings and their own file of STACK_CONF_DIR.
inst_conf_files() {
	case ${ST[kind]:-dev} in
	test) echo "$STACK_CONF_DIR/mail.conf" "$STACK_CONF_DIR/$1.conf" ;;
	twonode) echo "$STACK_CONF_DIR/mail.conf" "$STACK_CONF_DIR/twonode.conf" ;;
	esac | tr ' ' '\n'
}

# auth.conf of instance $2 (0640, the service user's and its group's).
write_auth_conf() {
	local s=$1 inst=$2 d port file files=()
	d=$(inst_dir "$s" "$inst")
	port=$(inst_port "$inst")
	file=$d/auth.conf
	mapfile -t files < <(inst_conf_files "$inst")
	{
		echo "# Written by scripts/dev for the stack in $s; rewritten on every start."
		{
			auth_conf_base "$s" "$port"
			# the node's counters: one file per instance (a node)
			echo "metrics_file = ${ST[run_$inst]}/metrics"
		} | conf_merge "${files[@]}"
	} >"$file.tmp"
	# group: the verifiers' user reads it too (fcgi.sh)
	chmod 0640 "$file.tmp"
	svc_own "$file.tmp"
	mv -f "$file.tmp" "$file"
}

# stack_render TEMPLATE INSTANCE_DIR PORT [NAME=VALUE...]: the web-server
# config TEMPLATE of the source tree, rendered into INSTANCE_DIR for the
# loaded stack by scripts/render-config (as make install does); more
# placeholders' values may follow.
stack_render() {
	local tmpl=$1 d=$2 port=$3 run
	shift 3
	run=$(cd -P "$d/run" && pwd)
	"$ROOT/scripts/render-config" "$ROOT/$tmpl" \
		"LIBEXECDIR=$(stack_libexec "$d")" "SYSCONFDIR=$d" "STATEDIR=$d" \
		"RUNDIR=$run" "PORT=$port" "SAMPLESDIR=${ST[prefix]}/share/authd/samples" \
		"$@" >"$d/$tmpl"
}

# The endpoint executables of instance $1: the main instance of a valgrind
# stack runs wrappers (valgrind.sh).
stack_libexec() {
	if [[ -n ${ST[valgrind]:-} && $1 == "${ST[valgrind]}" ]]; then
		echo "$1/valgrind-bin"
	else
		echo "${ST[prefix]}/libexec/authd"
	fi
}

# Environment the endpoints of stack $1 get on top of AUTH_CONFIG, as
# NAME=VALUE lines.
endpoint_env() {
	local san=${ST[san]:-}
	# sandbox = log for one run: the kernel's audit lines show what the
	# seccomp allow-list lacks (scripts/dev sandbox-calls).
	[[ -z ${AUTH_TEST_SANDBOX:-} ]] || echo "AUTH_SANDBOX=$AUTH_TEST_SANDBOX"
	[[ -n $san ]] || return 0
	echo "ASAN_OPTIONS=log_path=$san/asan:detect_leaks=1"
	echo "UBSAN_OPTIONS=log_path=$san/ubsan:print_stacktrace=1"
}

# Starts services, prepares the database and keys, starts every web-server
# instance and waits until each answers its health check.
stack_start() {
	local s=$1 svc inst d port
	load_stack "$s"
	for svc in ${ST[services]:-${SERVICES[*]}}; do
		"svc_${svc}_start" "$s"
	done
	app_setup "$s"
	svc_mailer_start "$s"
	[[ ${ST[kind]:-} == twonode ]] && svc_mailer_start "$s" node2
	for inst in ${ST[instances]}; do
		d=$(inst_dir "$s" "$inst")
		port=$(inst_port "$inst")
		port_free "$port" || die "port $port is in use"
		"web_$(inst_server "$inst")_start" "$d"
		wait_health "$d" "http://127.0.0.1:$port$HEALTH_PATH" "$inst"
	done
}

# Stops whatever of stack $1 runs: web servers, then services in reverse.
stack_stop() {
	local s=$1 inst i svcs
	[[ -f $s/stack ]] || return 0
	load_stack "$s"
	for inst in ${ST[instances]}; do
		"web_$(inst_server "$inst")_stop" "$(inst_dir "$s" "$inst")"
	done
	[[ ${ST[kind]:-} == twonode ]] && svc_mailer_stop "$s" node2
	svc_mailer_stop "$s"
	read -ra svcs <<<"${ST[services]:-${SERVICES[*]}}"
	for ((i = ${#svcs[@]} - 1; i >= 0; i--)); do
		"svc_${svcs[i]}_stop" "$s"
	done
}

# Stops stack $1 and deletes it, with its run directories in /tmp.
stack_remove() {
	local s=$1 d
	[[ -d $s ]] || return 0
	stack_stop "$s"
	for d in "$s/run" "$s"/*/run; do
		if [[ -L $d && $(readlink "$d") == /tmp/authd.* ]]; then
			rm -rf "$(readlink "$d")"
		fi
	done
	rm -rf "$s"
}

stack_logs() {
	local s=$1 inst
	for inst in ${ST[instances]}; do
		"web_$(inst_server "$inst")_logs" "$(inst_dir "$s" "$inst")"
	done
	echo "$s/log/postgres.log"
	echo "$s/log/redis.log"
	echo "$s/log/mailer.log"
	echo "$s/log/smtp-sink.log"
}

wait_health() {
	local d=$1 url=$2 inst=${3:-main} i f
	for ((i = 0; i < HEALTH_TIMEOUT * 5; i++)); do
		curl -fsS --noproxy '*' -m 2 -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.2
	done
	printf 'no healthy answer from %s after %ss; recent logs:\n' "$url" "$HEALTH_TIMEOUT" >&2
	curl -sS --noproxy '*' -m 2 -i "$url" >&2 || true
	for f in $("web_$(inst_server "$inst")_logs" "$d"); do
		[[ -f $f ]] || continue
		printf -- '--- %s\n' "$f" >&2
		tail -n 30 "$f" >&2
	done
	return 1
}

# Database role and schema, signing key and outbox key.
app_setup() {
	local s=$1 ctl extra=()
	mapfile -t extra < <(endpoint_env)
	# migrate holds a session-level advisory lock: straight to PostgreSQL
	ctl=(as_svc "AUTH_CONFIG=$s/auth.conf" "AUTH_DATABASE_URL=$(conninfo "$s")"
		"AUTH_DATABASE_POOLER=none" "${extra[@]}" "${ST[prefix]}/bin/authctl")
	pg_create_db "$s"
	"${ctl[@]}" migrate
	[[ -s $s/keys/active ]] || "${ctl[@]}" keys generate --dir "$s/keys"
	[[ -s $s/keys/outbox.seal ]] || "${ctl[@]}" keys seal-key --file "$s/keys/outbox.seal"
	[[ -s $s/keys/hmac.key ]] || "${ctl[@]}" keys hmac-key --file "$s/keys/hmac.key"
}
