# shellcheck shell=bash
# Redis Sentinel of a two-node stack (twonode.sh): a replica of the stack's
# Redis (redis2/, port redis2_port) and three sentinels (sentinel/,
# sentinel1..3_port) monitoring the primary as "authd", all on 127.0.0.1.
# The endpoints find the master through the sentinels (redis_sentinels).

SENTINEL_MASTER=authd
SENTINELS=(sentinel1 sentinel2 sentinel3)

# Config files of the replica and the sentinels (rewritten by the
# sentinels as they learn; written anew on every create).
sentinel_write_conf() {
	local s=$1 n
	mkdir -p "$s/redis2" "$s/sentinel"
	# either server may be the replica after a failover
	printf 'masteruser default\nmasterauth %s\n' "$(<"$s/redis/admin.password")" \
		>>"$s/redis/redis.conf"
	sed -e "s|^port .*|port ${PORTS[redis2_port]}|" \
		-e "s|^pidfile .*|pidfile ${ST[run_main]}/redis2.pid|" \
		-e "s|^logfile .*|logfile $s/log/redis2.log|" \
		-e "s|^dir .*|dir $s/redis2|" "$s/redis/redis.conf" >"$s/redis2/redis.conf"
	echo "replicaof 127.0.0.1 ${PORTS[redis_port]}" >>"$s/redis2/redis.conf"
	chmod 0600 "$s/redis2/redis.conf"
	for n in "${SENTINELS[@]}"; do
		cat >"$s/sentinel/$n.conf" <<-EOF
			# Written by scripts/dev.
			bind 127.0.0.1
			port ${PORTS[${n}_port]}
			daemonize yes
			pidfile ${ST[run_main]}/$n.pid
			logfile $s/log/$n.log
			dir $s/sentinel
			sentinel monitor $SENTINEL_MASTER 127.0.0.1 ${PORTS[redis_port]} 2
			sentinel auth-pass $SENTINEL_MASTER $(<"$s/redis/admin.password")
			sentinel down-after-milliseconds $SENTINEL_MASTER 1000
			sentinel failover-timeout $SENTINEL_MASTER 5000
		EOF
		chmod 0600 "$s/sentinel/$n.conf"
	done
	svc_own "$s/redis2" "$s/redis2/redis.conf" "$s/sentinel" "$s"/sentinel/*.conf
}

# redis_sentinels and redis_master_name of the endpoints.
sentinel_settings() {
	local n list=()
	for n in "${SENTINELS[@]}"; do list+=("127.0.0.1:${PORTS[${n}_port]}"); done
	local IFS=,
	echo "redis_sentinels = ${list[*]}"
	echo "redis_master_name = $SENTINEL_MASTER"
}

svc_redis2_start() {
	local s=$1
	pidfile_pid "${ST[run_main]}/redis2.pid" redis-server && return 0
	say "starting the Redis replica on 127.0.0.1:${PORTS[redis2_port]}"
	as_svc redis-server "$s/redis2/redis.conf"
}

svc_redis2_stop() {
	local pid
	pid=$(pidfile_pid "${ST[run_main]}/redis2.pid" redis-server && cat "${ST[run_main]}/redis2.pid") ||
		return 0
	say "stopping the Redis replica"
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 10
}

svc_sentinel_start() {
	local s=$1 n
	for n in "${SENTINELS[@]}"; do
		pidfile_pid "${ST[run_main]}/$n.pid" redis-sentinel && continue
		pidfile_pid "${ST[run_main]}/$n.pid" redis-server && continue
		as_svc redis-server "$s/sentinel/$n.conf" --sentinel
	done
	say "sentinels on 127.0.0.1:${PORTS[sentinel1_port]}, ${PORTS[sentinel2_port]}, ${PORTS[sentinel3_port]}"
}

svc_sentinel_stop() {
	local n pid
	for n in "${SENTINELS[@]}"; do
		pid=$(cat "${ST[run_main]}/$n.pid" 2>/dev/null) || continue
		[[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || continue
		[[ $(ps -o comm= -p "$pid") == redis-* ]] || continue
		kill -TERM "$pid" 2>/dev/null || true
		reap "$pid" 10
	done
}
