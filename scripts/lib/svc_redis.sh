# shellcheck shell=bash
# Redis of a stack: one server working in redis/, listening on 127.0.0.1.
# A test stack's Redis wants passwords, as a shared one on a network would:
# the default user's (redis/admin.password, for the scripts and the suite)
# and the ACL user authd's, limited to the authd:* keys (keys/redis.password,
# the endpoints' redis_password_file).

# The test stack's ACL user: its keys and commands (no admin commands).
REDIS_ACL_USER="authd on ~authd:* +@all -@admin -@dangerous +role"

redis_write_conf() {
	local s=$1
	if [[ ${ST[kind]:-dev} != dev ]]; then
		[[ -s $s/redis/admin.password ]] ||
			(umask 077 && gen_secret >"$s/redis/admin.password")
		[[ -s $s/keys/redis.password ]] ||
			(umask 077 && gen_secret >"$s/keys/redis.password")
		svc_own "$s/redis/admin.password" "$s/keys/redis.password"
	fi
	{
		cat <<-EOF
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
		if [[ -s $s/redis/admin.password ]]; then
			echo "user default on >$(<"$s/redis/admin.password") ~* &* +@all"
			echo "user $REDIS_ACL_USER >$(<"$s/keys/redis.password")"
		fi
	} >"$s/redis/redis.conf"
	chmod 0600 "$s/redis/redis.conf"
	svc_own "$s/redis/redis.conf"
}

# redis_url and redis_password_file of stack $1's endpoints.
redis_settings() {
	local s=$1
	if [[ -s $s/keys/redis.password ]]; then
		echo "redis_url = redis://authd@127.0.0.1:${PORTS[redis_port]}"
		echo "redis_password_file = $s/keys/redis.password"
		if [[ ${ST[kind]:-} == twonode ]]; then sentinel_settings; fi
	else
		echo "redis_url = redis://127.0.0.1:${PORTS[redis_port]}"
	fi
}

# redis-cli on stack $1's Redis as its default user, the arguments after.
redis_cli() {
	local s=$1
	shift
	if [[ -s $s/redis/admin.password ]]; then
		REDISCLI_AUTH=$(<"$s/redis/admin.password") \
			redis-cli -h 127.0.0.1 -p "${PORTS[redis_port]}" "$@"
	else
		redis-cli -h 127.0.0.1 -p "${PORTS[redis_port]}" "$@"
	fi
}

svc_redis_start() {
	local s=$1 i
	pidfile_pid "${ST[run_main]}/redis.pid" redis-server && return 0
	say "starting Redis on 127.0.0.1:${PORTS[redis_port]}"
	as_svc redis-server "$s/redis/redis.conf"
	for ((i = 0; i < 100; i++)); do
		[[ $(redis_cli "$s" ping 2>/dev/null) == PONG ]] && return 0
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
