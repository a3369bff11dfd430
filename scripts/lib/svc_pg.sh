# shellcheck shell=bash
# PostgreSQL of a stack: one cluster in pg/, listening on 127.0.0.1.

PG_BIN=/usr/lib/postgresql/15/bin

# A fresh cluster with a superuser "postgres" and the application role
# "authd"; both passwords generated. Settings live in authd-dev.conf,
# rewritten on every create.
pg_init() {
	local s=$1 data=$1/pg/data
	if [[ ! -s $data/PG_VERSION ]]; then
		say "initdb in $data"
		(umask 077 && gen_secret >"$s/pg/superuser.password" && gen_secret >"$s/pg/password")
		svc_own "$s/pg"
		as_svc "$PG_BIN/initdb" -D "$data" -U postgres \
			--pwfile="$s/pg/superuser.password" --auth=scram-sha-256 \
			--encoding=UTF8 --locale=C.UTF-8 --no-sync >"$s/log/initdb.log"
		echo "include_if_exists = 'authd-dev.conf'" >>"$data/postgresql.conf"
	fi
	cat >"$data/authd-dev.conf" <<-EOF
		# Written by scripts/dev.
		listen_addresses = '127.0.0.1'
		port = ${PORTS[pg_port]}
		unix_socket_directories = '${ST[run_main]}'
		unix_socket_permissions = 0700
		fsync = off
		synchronous_commit = off
		full_page_writes = off
	EOF
	svc_own "$data/authd-dev.conf"
}

svc_pg_start() {
	local s=$1
	as_svc "$PG_BIN/pg_ctl" -D "$s/pg/data" status >/dev/null 2>&1 && return 0
	say "starting PostgreSQL on 127.0.0.1:${PORTS[pg_port]}"
	as_svc "$PG_BIN/pg_ctl" -D "$s/pg/data" -l "$s/log/postgres.log" \
		-w -t 60 -s start
}

svc_pg_stop() {
	local s=$1
	[[ -f $s/pg/data/postmaster.pid ]] || return 0
	say "stopping PostgreSQL"
	as_svc "$PG_BIN/pg_ctl" -D "$s/pg/data" -m fast -w -t 60 -s stop ||
		! as_svc "$PG_BIN/pg_ctl" -D "$s/pg/data" status >/dev/null 2>&1
}

pg_super() {
	local s=$1
	shift
	as_svc "PGPASSWORD=$(<"$s/pg/superuser.password")" "$PG_BIN/psql" -X -q \
		-v ON_ERROR_STOP=1 -h "${ST[run_main]}" -p "${PORTS[pg_port]}" \
		-U postgres "$@"
}

pg_create_db() {
	local s=$1
	pg_super "$s" -d postgres -v "pw=$(<"$s/pg/password")" <<-'EOF'
		SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authd') AS need_role \gset
		\if :need_role
		CREATE ROLE authd LOGIN PASSWORD :'pw';
		\endif
		SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'auth') AS need_db \gset
		\if :need_db
		CREATE DATABASE auth OWNER authd;
		\endif
	EOF
}
