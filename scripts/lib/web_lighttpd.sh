# shellcheck shell=bash
# lighttpd as the web server of a stack instance: it spawns the endpoints
# but the verifiers, which fcgi.sh starts beside it.

# lighttpd.conf from the template, plus lighttpd-local.conf with the extra
# endpoint environment and, if $3 is given, the processes per endpoint.
web_lighttpd_render() {
	local d=$1 port=$2 procs=${3:-} name value line exe aport
	aport=$(fcgi_plan "$d" "$procs" "$port")
	stack_render lighttpd.conf "$d" "$port" "AUTHORIZER_PORT=$aport"
	{
		echo "# Written by scripts/dev."
		while IFS= read -r line; do
			[[ -n $line ]] || continue
			name=${line%%=*}
			value=${line#*=}
			printf 'var.auth_env += ( "%s" => "%s" )\n' "$name" "$value"
		done < <(endpoint_env)
		if [[ -n $procs ]]; then
			printf 'var.auth_procs := %s\n' "$procs"
		fi
	} >"$d/lighttpd-local.conf"
	for exe in "${ST[prefix]}"/libexec/authd/*.fcgi; do
		[[ -e $exe ]] || continue
		name=${exe##*/}
		fcgi_verifier "${name%.fcgi}" && continue
		grep -qF "/$name\"" "$d/lighttpd.conf" ||
			warn "$name is installed but lighttpd.conf routes no path to it"
	done
}

web_lighttpd_start() {
	local d=$1
	as_svc lighttpd -tt -f "$d/lighttpd.conf" >/dev/null ||
		die "$d/lighttpd.conf does not load"
	say "starting lighttpd ($d/lighttpd.conf)"
	if ! as_svc lighttpd -f "$d/lighttpd.conf"; then
		tail -n 20 "$d/log/lighttpd.log" >&2 || true
		return 1
	fi
	LIBEXEC=$(stack_libexec "$d") fcgi_start_verifiers "$d"
}

# Stops lighttpd and makes sure the endpoint processes it spawned end too.
web_lighttpd_stop() {
	local d=$1 pidfile pid kids k
	pidfile=$(cd -P "$d/run" 2>/dev/null && pwd)/lighttpd.pid || return 0
	pid=$(pidfile_pid "$pidfile" lighttpd && cat "$pidfile") || return 0
	say "stopping lighttpd ($d)"
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 10
	for k in $kids; do
		alive "$k" && kill -TERM "$k" 2>/dev/null
		reap "$k" 5
	done
	fcgi_stop "$d"
}

web_lighttpd_logs() {
	echo "$1/log/endpoints.log"
	echo "$1/log/lighttpd.log"
}
