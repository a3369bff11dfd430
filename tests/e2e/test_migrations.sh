#!/usr/bin/env bash
# Black-box test of `authctl migrate` against a running PostgreSQL cluster.
#   AUTH_TEST_PGHOST, AUTH_TEST_PGPORT  the cluster (AUTH_TEST_PGUSER, default postgres)
#   AUTHCTL                             the authctl binary
# Each run uses fresh databases and drops them at the end.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
: "${AUTH_TEST_PGHOST:?set AUTH_TEST_PGHOST}"
: "${AUTH_TEST_PGPORT:?set AUTH_TEST_PGPORT}"
: "${AUTHCTL:?set AUTHCTL to the authctl binary}"
pguser=${AUTH_TEST_PGUSER:-postgres}
unset AUTH_SCHEMA_DIR AUTH_CONFIG

passed=0
failed=0
dbs=()
work=$(mktemp -d "${TMPDIR:-/tmp}/authd-migrations.XXXXXX")
# authctl refuses root: as root, AUTHCTL runs it as the service user, which
# reads the schema files written here.
chmod 0755 "$work"

psql_q() {	# psql_q DB SQL: one unaligned value per line
	psql -X -q -At -v ON_ERROR_STOP=1 -h "$AUTH_TEST_PGHOST" \
	    -p "$AUTH_TEST_PGPORT" -U "$pguser" -d "$1" -c "$2"
}

new_db() {	# new_db: creates a database, names it in $newdb
	newdb="authd_mig_$$_${#dbs[@]}_$RANDOM"
	psql_q postgres "CREATE DATABASE $newdb" >/dev/null || return 1
	dbs+=("$newdb")
}

cleanup() {
	local d
	for d in "${dbs[@]}"; do
		psql_q postgres "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1
	done
	rm -rf "$work"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() {	# check NAME COMMAND...: passes if the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

authctl() {	# authctl DB ARGS...: runs authctl on DB; stdout/stderr in $work
	local db=$1
	shift
	env -u AUTH_CONFIG \
	    AUTH_DATABASE_URL="postgresql://$pguser@$AUTH_TEST_PGHOST:$AUTH_TEST_PGPORT/$db" \
	    "$AUTHCTL" "$@" >"$work/out" 2>"$work/err"
}

out_has() { grep -q -- "$1" "$work/out"; }
err_has() { grep -q -- "$1" "$work/err"; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- a fresh database gets 001 ---------------------------------------------
new_db || { echo "cannot create a database"; exit 1; }
db=$newdb
check "migrate on a fresh database exits 0" authctl "$db" migrate --dir "$top/schema"
check "it reports 001_init.sql applied" out_has "applied 001_init.sql"
check "schema_migrations records 001 with its sha256" test \
    "$(psql_q "$db" "SELECT version || ' ' || name || ' ' || checksum FROM schema_migrations")" = \
    "1 001_init.sql $(sha "$top/schema/001_init.sql")"
check "a second run applies nothing" authctl "$db" migrate --dir "$top/schema"
check "and says so" out_has "nothing to apply"
AUTH_SCHEMA_DIR="$top/schema" authctl "$db" migrate --status
check "AUTH_SCHEMA_DIR sets the default directory" out_has "001_init.sql.*applied"

uid=$(psql_q "$db" "INSERT INTO users (email, password_hash) VALUES ('keep@example.com', '\$y\$x') RETURNING id")
check "a user row can be inserted" test -n "$uid"

# ---- an upgrade: 002 on top of 001 -----------------------------------------
mkdir -p "$work/schema"
cp "$top"/schema/*.sql "$work/schema/"
cp "$top/tests/fixtures/002_test_upgrade.sql" "$work/schema/"
check "migrate with 002 added exits 0" authctl "$db" migrate --dir "$work/schema"
check "it applies 002 only" bash -c "grep -q 'applied 002_test_upgrade.sql' '$work/out' && ! grep -q 001 '$work/out'"
check "002's column exists" psql_q "$db" "SELECT display_name FROM users LIMIT 0"
check "002's table exists" psql_q "$db" "SELECT 1 FROM test_upgrade_notes LIMIT 0"
check "the user row is intact" test \
    "$(psql_q "$db" "SELECT email FROM users WHERE id = '$uid'")" = "keep@example.com"
check "migrate --status exits 0" authctl "$db" migrate --status --dir "$work/schema"
check "--status shows 001 applied" out_has "001_init.sql.*applied"
check "--status shows 002 applied" out_has "002_test_upgrade.sql.*applied"

# ---- a pending file is reported as pending ---------------------------------
printf 'CREATE TABLE test_pending (id int);\n' >"$work/schema/003_pending.sql"
authctl "$db" migrate --status --dir "$work/schema"
check "--status shows 003 pending" out_has "003_pending.sql.*pending"

# ---- an applied file edited: refuse, apply nothing --------------------------
cp "$work/schema/001_init.sql" "$work/001.orig"
printf -- '-- edited after release\n' >>"$work/schema/001_init.sql"
if authctl "$db" migrate --dir "$work/schema"; then
	not_ok "migrate refuses an edited applied file"
else
	ok "migrate refuses an edited applied file"
fi
check "the message names the file" err_has "001_init.sql"
check "the pending 003 was not applied" test \
    "$(psql_q "$db" "SELECT count(*) FROM schema_migrations WHERE version = 3")" = 0
check "nor its table created" test \
    "$(psql_q "$db" "SELECT to_regclass('test_pending') IS NULL")" = t
if authctl "$db" migrate --status --dir "$work/schema"; then
	not_ok "--status exits non-zero on a changed file"
else
	ok "--status exits non-zero on a changed file"
fi
check "--status marks it CHANGED" out_has "001_init.sql.*CHANGED"
cp "$work/001.orig" "$work/schema/001_init.sql"

# ---- an applied file removed: refuse ----------------------------------------
mv "$work/schema/002_test_upgrade.sql" "$work/002.moved"
if authctl "$db" migrate --dir "$work/schema"; then
	not_ok "migrate refuses when an applied file is missing"
else
	ok "migrate refuses when an applied file is missing"
fi
check "the message names the missing file" err_has "002_test_upgrade.sql"
mv "$work/002.moved" "$work/schema/002_test_upgrade.sql"

# ---- a failing file rolls back completely -----------------------------------
printf 'CREATE TABLE test_half (id int);\nSELECT * FROM no_such_table;\n' \
    >"$work/schema/004_broken.sql"
if authctl "$db" migrate --dir "$work/schema"; then
	not_ok "a failing migration exits non-zero"
else
	ok "a failing migration exits non-zero"
fi
check "the error names the file and the PostgreSQL message" \
    bash -c "grep -q '004_broken.sql' '$work/err' && grep -q 'no_such_table' '$work/err'"
check "the pending file before it was applied" test \
    "$(psql_q "$db" "SELECT count(*) FROM schema_migrations WHERE version = 3")" = 1
check "the failing file left nothing behind" test \
    "$(psql_q "$db" "SELECT (to_regclass('test_half') IS NULL) || ' ' || count(*) FROM schema_migrations WHERE version = 4")" = "true 0"
rm -f "$work/schema/004_broken.sql" "$work/schema/003_pending.sql"

# ---- two concurrent runs on a fresh database --------------------------------
new_db || { echo "cannot create a database"; exit 1; }
db2=$newdb
url="postgresql://$pguser@$AUTH_TEST_PGHOST:$AUTH_TEST_PGPORT/$db2"
env -u AUTH_CONFIG AUTH_DATABASE_URL="$url" "$AUTHCTL" migrate --dir "$work/schema" \
    >"$work/c1.out" 2>"$work/c1.err" &
p1=$!
env -u AUTH_CONFIG AUTH_DATABASE_URL="$url" "$AUTHCTL" migrate --dir "$work/schema" \
    >"$work/c2.out" 2>"$work/c2.err" &
p2=$!
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
check "concurrent run 1 exits 0" test "$rc1" = 0
check "concurrent run 2 exits 0" test "$rc2" = 0
check "each version is recorded once" test \
    "$(psql_q "$db2" "SELECT string_agg(version || ':' || n, ',' ORDER BY version) FROM (SELECT version, count(*) n FROM schema_migrations GROUP BY version) c")" = "1:1,2:1"
check "each file was applied by exactly one run" test \
    "$(cat "$work/c1.out" "$work/c2.out" | grep -c '^applied ')" = 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
