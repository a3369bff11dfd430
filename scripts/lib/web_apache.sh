# shellcheck shell=bash
# Apache as the web server of a stack instance, the endpoints under spawn-fcgi.

# apache.conf proxies to endpoint processes that spawn-fcgi starts (fcgi.sh;
# see the comments in apache.conf): one socket run/NAME.sock per endpoint
# named in apache.conf, and the authorizer on a TCP port of its own.
APACHE_ROOT=/usr/lib/apache2

# apache.conf from the template; fcgi.kv (fcgi.sh) keeps what start needs (the
# authorizer port and the processes per endpoint).
web_apache_render() {
	local d=$1 port=$2 procs=${3:-} aport exe name
	aport=$(fcgi_plan "$d" "$procs" "$port")
	stack_render apache.conf "$d" "$port" "APACHE_ROOT=$APACHE_ROOT" \
		"AUTHORIZER_PORT=$aport"
	for exe in "${ST[prefix]}"/libexec/authd/*.fcgi; do
		[[ -e $exe ]] || continue
		name=${exe##*/}
		name=${name%.fcgi}
		[[ $name == authorizer ]] && continue
		"$ROOT/scripts/endpoints" names routed | grep -qx "$name" ||
			warn "$name.fcgi is installed but endpoints.list routes no path to it"
	done
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
	run=$(cd -P "$d/run" && pwd)
	# Apache first: it takes its port at once; the endpoints' sockets are
	# needed only by the first request.
	say "starting Apache and the endpoints (spawn-fcgi) ($d/apache.conf)"
	apache_server_start "$d" || return 1
	fcgi_shared "$d" "$run"
	for name in $("$ROOT/scripts/endpoints" names api); do
		rm -f "$run/$name.sock"
		fcgi_spawn "$d" "$name" -s "$run/$name.sock" -M 0600
	done
	fcgi_start_verifiers "$d"
}

# Stops Apache, then every endpoint process by the PIDs spawn-fcgi wrote.
web_apache_stop() {
	local d=$1 run pid
	run=$(cd -P "$d/run" 2>/dev/null && pwd) || return 0
	if pid=$(pidfile_pid "$run/apache.pid" apache2 && cat "$run/apache.pid"); then
		say "stopping Apache ($d)"
		kill -TERM "$pid" 2>/dev/null || true
		reap "$pid" 10
	fi
	fcgi_stop "$d"
}

web_apache_logs() {
	echo "$1/log/endpoints.log"
	echo "$1/log/apache.log"
}
