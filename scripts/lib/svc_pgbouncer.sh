# shellcheck shell=bash
# PgBouncer of a two-node stack (twonode.sh): Debian's pgbouncer in
# transaction mode on 127.0.0.1, between the endpoints (database_pooler =
# transaction) and the stack's PostgreSQL, working in pgbouncer/. The role
# authd is its one user (and its admin: SHOW POOLS); its password is the
# role's.

# Server connections per database and user: what every endpoint process and
# mailer of both nodes share.
PGBOUNCER_POOL_SIZE=4

pgbouncer_write_conf() {
	local s=$1 d=$1/pgbouncer
	mkdir -p "$d"
	printf '"authd" "%s"\n' "$(<"$s/pg/password")" >"$d/userlist.txt"
	cat >"$d/pgbouncer.ini" <<-EOF
		; Written by scripts/dev.
		[databases]
		auth = host=127.0.0.1 port=${PORTS[pg_port]} dbname=auth
		[pgbouncer]
		listen_addr = 127.0.0.1
		listen_port = ${PORTS[pgbouncer_port]}
		unix_socket_dir =
		auth_type = scram-sha-256
		auth_file = $d/userlist.txt
		admin_users = authd
		pool_mode = transaction
		default_pool_size = $PGBOUNCER_POOL_SIZE
		max_client_conn = 500
		pidfile = ${ST[run_main]}/pgbouncer.pid
		logfile = $s/log/pgbouncer.log
	EOF
	chmod 0600 "$d/userlist.txt" "$d/pgbouncer.ini"
	svc_own "$d" "$d/userlist.txt" "$d/pgbouncer.ini"
}

# The endpoints' conninfo: PgBouncer's port, the role authd.
pgbouncer_conninfo() {
	local s=$1
	echo "host=127.0.0.1 port=${PORTS[pgbouncer_port]} dbname=auth user=authd password=$(<"$s/pg/password")"
}

# Its admin console (SHOW POOLS, SHOW SERVERS), as the role authd.
pgbouncer_admin_conninfo() {
	pgbouncer_conninfo "$1" | sed 's/dbname=auth/dbname=pgbouncer/'
}

svc_pgbouncer_start() {
	local s=$1
	pidfile_pid "${ST[run_main]}/pgbouncer.pid" pgbouncer && return 0
	say "starting PgBouncer on 127.0.0.1:${PORTS[pgbouncer_port]} (transaction mode)"
	as_svc pgbouncer -d "$s/pgbouncer/pgbouncer.ini" >/dev/null
	await_start PgBouncer "$s/log/pgbouncer.log" port_open "${PORTS[pgbouncer_port]}"
}

svc_pgbouncer_stop() {
	local s=$1 pid
	pid=$(pidfile_pid "${ST[run_main]}/pgbouncer.pid" pgbouncer && cat "${ST[run_main]}/pgbouncer.pid") ||
		return 0
	say "stopping PgBouncer"
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 10
}
