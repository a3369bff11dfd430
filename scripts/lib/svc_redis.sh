# shellcheck shell=bash
# Redis of a stack: one server working in redis/, listening on 127.0.0.1.
# A test stack's Redis wants passwords, as a shared one on a network would:
# the default user's (redis/admin.password, for the scripts and the suite)
# and the ACL user authd's, limited to the authd:* keys (keys/redis.password,
# the endpoints' redis_password_file). The verifiers (fcgi.sh), which run as
# their own user and cannot read that file, are the ACL user authd-verify,
# limited to the rate-limit keys, with a password file of their own
# (keys/redis-verify.password, the verifiers' user's).

# The test stack's ACL users: their keys and commands (no admin commands).
REDIS_ACL_USER="authd on ~authd:* +@all -@admin -@dangerous +role"
REDIS_ACL_VERIFY="authd-verify on ~authd:rl:* +@all -@admin -@dangerous +role"

redis_write_conf() {
	local s=$1
	if [[ ${ST[kind]:-dev} != dev ]]; then
		[[ -s $s/redis/admin.password ]] ||
			(umask 077 && gen_secret >"$s/redis/admin.password")
		[[ -s $s/keys/redis.password ]] ||
			(umask 077 && gen_secret >"$s/keys/redis.password")
		[[ -s $s/keys/redis-verify.password ]] ||
			(umask 077 && gen_secret >"$s/keys/redis-verify.password")
		svc_own "$s/redis/admin.password" "$s/keys/redis.password"
		((EUID != 0)) || chown "$VERIFY_USER:$SVC_USER" "$s/keys/redis-verify.password"
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
			echo "user $REDIS_ACL_VERIFY >$(<"$s/keys/redis-verify.password")"
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

# The environment that gives the verifiers of stack $1 their own Redis
# user (NAME=VALUE lines; none where the stack's Redis has no password).
redis_verify_env() {
	local s=$1
	[[ -s $s/keys/redis-verify.password ]] || return 0
	echo "AUTH_REDIS_URL=redis://authd-verify@127.0.0.1:${PORTS[redis_port]}"
	echo "AUTH_REDIS_PASSWORD_FILE=$s/keys/redis-verify.password"
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

# True if stack $1's Redis answers PING.
redis_pong() {
	[[ $(redis_cli "$1" ping 2>/dev/null) == PONG ]]
}

svc_redis_start() {
	local s=$1
	pidfile_pid "${ST[run_main]}/redis.pid" redis-server && return 0
	say "starting Redis on 127.0.0.1:${PORTS[redis_port]}"
	as_svc redis-server "$s/redis/redis.conf"
	await_start Redis "$s/log/redis.log" redis_pong "$s"
}

svc_redis_stop() {
	local s=$1 pid
	pid=$(pidfile_pid "${ST[run_main]}/redis.pid" redis-server && cat "${ST[run_main]}/redis.pid") ||
		return 0
	say "stopping Redis"
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 10
}
