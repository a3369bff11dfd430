# shellcheck shell=bash
# Apache running the endpoints as plain CGI, as a shared host does: the
# server "cgi" of a stack instance.

# apache.conf started with -D AUTHD_CGI proxies nothing; the instance's
# document root www/ gets samples/shared-hosting/.htaccess (its example
# config path replaced by the instance's auth.conf) and a copy of each
# endpoint executable in www/authd/, as the steps of that directory's
# README.md lay them out; mod_cgid runs one process per request, each as
# the service user (jwks too: one user runs every CGI). CGI has no
# authorizer role: the authorizer of the protected samples runs under
# spawn-fcgi for mod_authnz_fcgi, as with the server "apache".
CGI_HTACCESS_CONF=/home/example/authd/etc/authd/auth.conf	# the sample's path

web_cgi_render() {
	local d=$1 port=$2 www=$1/www exe name extra=() line
	web_apache_render "$d" "$port" 1
	mkdir -p "$www/authd"
	for name in $("$ROOT/scripts/endpoints" names routed); do
		exe=${ST[prefix]}/libexec/authd/$name.fcgi
		[[ -x $exe ]] || { warn "$name.fcgi is not installed"; continue; }
		install -m 0755 "$exe" "$www/authd/$name.fcgi"
	done
	mapfile -t extra < <(endpoint_env)
	{
		sed "s|^SetEnv AUTH_CONFIG $CGI_HTACCESS_CONF\$|SetEnv AUTH_CONFIG $d/auth.conf|" \
			"$ROOT/samples/shared-hosting/.htaccess"
		for line in "${extra[@]}"; do
			echo "SetEnv ${line%%=*} ${line#*=}"
		done
	} >"$www/.htaccess"
	grep -qx "SetEnv AUTH_CONFIG $d/auth.conf" "$www/.htaccess" ||
		die "samples/shared-hosting/.htaccess sets no AUTH_CONFIG $CGI_HTACCESS_CONF"
	svc_own "$www"
}

web_cgi_start() {
	local d=$1 run
	local -A kv=()
	read_kv "$d/fcgi.kv" kv
	run=$(cd -P "$d/run" && pwd)
	say "starting Apache, the endpoints as CGI ($d/apache.conf -D AUTHD_CGI)"
	apache_server_start "$d" -D AUTHD_CGI || return 1
	fcgi_shared "$d" "$run"
	fcgi_spawn "$d" authorizer -a 127.0.0.1 -p "${kv[authorizer_port]}"
}

web_cgi_stop() {
	web_apache_stop "$@"
}

# The endpoints' lines go to their standard error, which mod_cgid writes
# to Apache's error log; the authorizer's to endpoints.log.
web_cgi_logs() {
	web_apache_logs "$@"
}
