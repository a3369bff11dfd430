# shellcheck shell=bash
# Redis of a stack: one server working in redis/, listening on 127.0.0.1.

redis_write_conf() {
	local s=$1
	cat >"$s/redis/redis.conf" <<-EOF
		# Written by scripts/dev.
		bind 127.0.0.1
		port ${PORTS[redis_port]}
		protected-mode yes
		daemonize yes
		pidfile ${ST[run_main]}/redis.pid
		logfile $s/log/redis.log
		dir $s/redis
		save ""
		appendonly no
	EOF
	svc_own "$s/redis/redis.conf"
}

svc_redis_start() {
	local s=$1 i
	pidfile_pid "${ST[run_main]}/redis.pid" redis-server && return 0
	say "starting Redis on 127.0.0.1:${PORTS[redis_port]}"
	as_svc redis-server "$s/redis/redis.conf"
	for ((i = 0; i < 100; i++)); do
		[[ $(redis-cli -h 127.0.0.1 -p "${PORTS[redis_port]}" ping 2>/dev/null) == PONG ]] &&
			return 0
		sleep 0.1
	done
	tail -n 20 "$s/log/redis.log" >&2 || true
	die "Redis did not start"
}

svc_redis_stop() {
	local s=$1 pid
	pid=$(pidfile_pid "${ST[run_main]}/redis.pid" redis-server && cat "${ST[run_main]}/redis.pid") ||
		return 0
	say "stopping Redis"
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 10
}
