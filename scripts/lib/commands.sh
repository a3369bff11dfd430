# shellcheck shell=bash
# The commands of scripts/dev on a stack: up, down, env, ctl and authctl.

# stack_up PORT DETACH SERVER BUILD: the stack of var/dev on SERVER at PORT,
# after building and installing the normal build if BUILD is 1. Unless
# DETACH is 1, follows its logs until Ctrl-C, then stops it.
stack_up() {
	local port=$1 detach=$2 server=$3 build=$4 s
	ensure_packages
	init_layout
	((build)) && build_install normal
	s=$(place dev)
	stack_stop "$s"
	port_free "$port" || die "port $port is in use; choose another with --port N"
	stack_create "$s" normal "$server" "$port"
	trap 'stack_stop "$s"' EXIT
	stack_start "$s"
	cat <<-EOF

		authd is up: http://127.0.0.1:$port/auth/  (health: $HEALTH_PATH)
		  state   $s  (auth.conf, ports, keys/, pg/, redis/)
		  logs    $s/log/  (endpoints.log: one JSON line per request)
		  env     eval "\$(scripts/dev env)"
		  stop    scripts/dev down

	EOF
	if ((detach)); then
		trap - EXIT
		return 0
	fi
	stack_follow "$s"
}

# Follows the logs of the running stack $1 until Ctrl-C, then stops it.
stack_follow() {
	local s=$1 files=() f
	say "following the logs; Ctrl-C stops the stack"
	for f in $(stack_logs "$s"); do files+=("$f"); done
	tail -n 0 -F "${files[@]}" 2>/dev/null &
	local tail_pid=$!
	trap 'kill "$tail_pid" 2>/dev/null || true; stack_stop "$s"; trap - EXIT; exit 0' INT TERM
	trap 'kill "$tail_pid" 2>/dev/null || true; stack_stop "$s"' EXIT
	wait "$tail_pid" || true
}

# Stops the stack of var/dev, if there is one.
stack_down() {
	local s=$VAR/dev
	if [[ ! -f $s/stack ]]; then
		say "no stack in var/dev"
		return 0
	fi
	stack_stop "$(cd -P "$s" && pwd)"
	say "stack stopped"
}

# Export lines for the stack in $1 (default var/dev).
stack_env() {
	local s=${1:-$VAR/dev}
	[[ -f $s/stack ]] || die "no stack in $s (run scripts/dev up)"
	s=$(cd -P "$s" && pwd)
	load_stack "$s"
	printf 'export AUTH_BASE_URL=%q\n' "http://127.0.0.1:${PORTS[http_port]}"
	[[ -n ${PORTS[alt_port]:-} ]] &&
		printf 'export AUTH_BASE_URL_ALT=%q\n' "http://127.0.0.1:${PORTS[alt_port]}"
	[[ -n ${PORTS[rl_port]:-} ]] &&
		printf 'export AUTH_BASE_URL_RL=%q\n' "http://127.0.0.1:${PORTS[rl_port]}"
	[[ -n ${PORTS[rl2_port]:-} ]] &&
		printf 'export AUTH_BASE_URL_RL2=%q\n' "http://127.0.0.1:${PORTS[rl2_port]}"
	printf 'export AUTH_DATABASE_URL=%q\n' "$(conninfo "$s")"
	printf 'export AUTH_REDIS_URL=%q\n' "redis://127.0.0.1:${PORTS[redis_port]}"
	printf 'export AUTH_MAIL_DIR=%q\n' "$s/mail"
	printf 'export AUTH_CONFIG=%q\n' "$s/auth.conf"
	# as root, a wrapper that runs it as the service user (tools refuse root)
	printf 'export AUTHCTL=%q\n' "$(tool_wrappers "$s")/authctl"
	printf 'export AUTH_TEST_AUTHCTL=%q\n' "$ROOT/scripts/dev authctl $s"
}

# stack_ctl DIR ACTION: stops or starts a service of the running stack in DIR.
stack_ctl() {
	local s action=$2
	[[ -f $1/stack ]] || die "ctl: $1 is not a stack directory"
	s=$(cd -P "$1" && pwd)
	load_stack "$s"
	case $action in
	pg-stop) svc_pg_stop "$s" ;;
	pg-start) svc_pg_start "$s" ;;
	pg-restart) svc_pg_stop "$s" && svc_pg_start "$s" ;;
	pgbouncer-restart) svc_pgbouncer_stop "$s" && svc_pgbouncer_start "$s" ;;
	pgbouncer-stop) svc_pgbouncer_stop "$s" ;;
	pgbouncer-start) svc_pgbouncer_start "$s" ;;
	redis-stop) svc_redis_stop "$s" ;;
	redis-start) svc_redis_start "$s" ;;
	smtp-stop) svc_smtp_stop "$s" ;;
	smtp-start) svc_smtp_start "$s" ;;
	mailer-stop) svc_mailer_stop "$s" ;;
	mailer-start) svc_mailer_start "$s" ;;
	*) die "ctl: unknown action $action" ;;
	esac
}

# authctl of the stack in $1 with the remaining arguments, run as the service
# user with the stack's configuration (key files it writes stay the
# service's; the black-box suite rotates keys with it).
stack_authctl() {
	local s extra=()
	[[ -f $1/stack ]] || die "authctl: $1 is not a stack directory"
	s=$(cd -P "$1" && pwd)
	shift
	load_stack "$s"
	mapfile -t extra < <(endpoint_env)
	as_svc "AUTH_CONFIG=$s/auth.conf" "${extra[@]}" "${ST[prefix]}/bin/authctl" "$@"
}
