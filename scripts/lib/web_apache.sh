# shellcheck shell=bash
# Apache as the web server of a stack instance, the endpoints under spawn-fcgi.

# apache.conf proxies to endpoint processes that spawn-fcgi starts (see the
# comments there): one socket run/NAME.sock per endpoint named in
# apache.conf, and the authorizer on a TCP port of its own. Their PIDs go to
# run/fcgi/NAME.pid; stopping kills them by those PIDs.
APACHE_ROOT=/usr/lib/apache2
APACHE_PROCS=2		# processes per endpoint (lighttpd.conf's auth_procs)

# Endpoint names the web servers route (endpoints.list, kind api).
apache_endpoints() {
	"$ROOT/scripts/endpoints" names api
}

# apache.conf from the template; run/apache.kv keeps what start needs (the
# authorizer port and the processes per endpoint).
web_apache_render() {
	local d=$1 port=$2 procs=${3:-$APACHE_PROCS} aport exe name
	aport=$(pick_port "$port ${PORTS[*]}")
	stack_render apache.conf "$d" "$port" "APACHE_ROOT=$APACHE_ROOT" \
		"AUTHORIZER_PORT=$aport"
	write_kv "$d/apache.kv" "authorizer_port=$aport" "procs=$procs"
	for exe in "${ST[prefix]}"/libexec/authd/*.fcgi; do
		[[ -e $exe ]] || continue
		name=${exe##*/}
		name=${name%.fcgi}
		[[ $name == authorizer ]] && continue
		apache_endpoints | grep -qx "$name" ||
			warn "$name.fcgi is installed but endpoints.list routes no path to it"
	done
}

# Starts spawn-fcgi for endpoint $2 of instance $1 (PIDs in run/$2.pid),
# with the socket or TCP arguments that follow.
apache_spawn() {
	local d=$1 name=$2 run exe procs extra=()
	shift 2
	local -A kv=()
	read_kv "$d/apache.kv" kv
	procs=${kv[procs]:-$APACHE_PROCS}
	run=$(cd -P "$d/run" && pwd)
	exe=${ST[prefix]}/libexec/authd/$name.fcgi
	if [[ ! -x $exe ]]; then
		warn "apache.conf routes to $name.fcgi, which is not installed"
		return 0
	fi
	mapfile -t extra < <(endpoint_env)
	as_svc mkdir -p "$run/fcgi"
	rm -f "$run/fcgi/$name.pid"
	as_svc "AUTH_CONFIG=$d/auth.conf" "${extra[@]}" spawn-fcgi "$@" \
		-F "$procs" -P "$run/fcgi/$name.pid" -- \
		/bin/sh -c 'exec 2>>"$1"; exec "$0"' "$exe" "$d/log/endpoints.log" \
		>/dev/null
}

# Checks and starts Apache of instance $1 with the arguments that follow
# (-D NAME).
apache_server_start() {
	local d=$1
	shift
	as_svc apache2 -t -f "$d/apache.conf" "$@" >/dev/null 2>&1 ||
		{ as_svc apache2 -t -f "$d/apache.conf" "$@" || true; die "$d/apache.conf does not load"; }
	if ! as_svc apache2 -f "$d/apache.conf" "$@" -k start; then
		tail -n 20 "$d/log/apache.log" >&2 || true
		return 1
	fi
}

web_apache_start() {
	local d=$1 run name
	local -A kv=()
	read_kv "$d/apache.kv" kv
	run=$(cd -P "$d/run" && pwd)
	# Apache first: it takes its port at once; the endpoints' sockets are
	# needed only by the first request.
	say "starting Apache and the endpoints (spawn-fcgi) ($d/apache.conf)"
	apache_server_start "$d" || return 1
	for name in $(apache_endpoints); do
		rm -f "$run/$name.sock"
		apache_spawn "$d" "$name" -s "$run/$name.sock" -M 0600
	done
	apache_spawn "$d" authorizer -a 127.0.0.1 -p "${kv[authorizer_port]}"
}

# Stops Apache, then every endpoint process by the PIDs spawn-fcgi wrote.
web_apache_stop() {
	local d=$1 run pid f
	run=$(cd -P "$d/run" 2>/dev/null && pwd) || return 0
	if pid=$(pidfile_pid "$run/apache.pid" apache2 && cat "$run/apache.pid"); then
		say "stopping Apache ($d)"
		kill -TERM "$pid" 2>/dev/null || true
		reap "$pid" 10
	fi
	for f in "$run"/fcgi/*.pid; do
		[[ -f $f ]] || continue
		# spawn-fcgi writes no newline after the last PID: read it too.
		while read -r pid || [[ -n $pid ]]; do
			[[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || continue
			[[ $(ps -o args= -p "$pid" 2>/dev/null) == "${ST[prefix]}"/libexec/authd/*.fcgi* ]] || continue
			kill -TERM "$pid" 2>/dev/null || true
			reap "$pid" 5
		done <"$f"
		rm -f "$f"
	done
}

web_apache_logs() {
	echo "$1/log/endpoints.log"
	echo "$1/log/apache.log"
}
