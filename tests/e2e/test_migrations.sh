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
check_fails() {	# check_fails NAME COMMAND...: passes if the command fails
	local name=$1
	shift
	if "$@"; then not_ok "$name"; else ok "$name"; fi
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

# ---- a fresh database gets every schema file -------------------------------
new_db || { echo "cannot create a database"; exit 1; }
db=$newdb
check "migrate on a fresh database exits 0" authctl "$db" migrate --dir "$top/schema"
check "it reports 001_init.sql applied" out_has "applied 001_init.sql"
check "it reports 002_email_key.sql applied" out_has "applied 002_email_key.sql"
check "schema_migrations records 001 with its sha256" test \
    "$(psql_q "$db" "SELECT version || ' ' || name || ' ' || checksum FROM schema_migrations WHERE version = 1")" = \
    "1 001_init.sql $(sha "$top/schema/001_init.sql")"
check "a second run applies nothing" authctl "$db" migrate --dir "$top/schema"
check "and says so" out_has "nothing to apply"
AUTH_SCHEMA_DIR="$top/schema" authctl "$db" migrate --status
check "AUTH_SCHEMA_DIR sets the default directory" out_has "001_init.sql.*applied"

uid=$(psql_q "$db" "INSERT INTO users (email, password_hash) VALUES ('keep@example.com', '\$y\$x') RETURNING id")
check "a user row can be inserted" test -n "$uid"

# ---- an upgrade: 900 on top of the schema ----------------------------------
mkdir -p "$work/schema"
cp "$top"/schema/*.sql "$work/schema/"
cp "$top/tests/fixtures/900_test_upgrade.sql" "$work/schema/"
check "migrate with 900 added exits 0" authctl "$db" migrate --dir "$work/schema"
check "it applies 900 only" bash -c "grep -q 'applied 900_test_upgrade.sql' '$work/out' && ! grep -q 'applied 0' '$work/out'"
check "900's column exists" psql_q "$db" "SELECT display_name FROM users LIMIT 0"
check "900's table exists" psql_q "$db" "SELECT 1 FROM test_upgrade_notes LIMIT 0"
check "the user row is intact" test \
    "$(psql_q "$db" "SELECT email FROM users WHERE id = '$uid'")" = "keep@example.com"
check "migrate --status exits 0" authctl "$db" migrate --status --dir "$work/schema"
check "--status shows 001 applied" out_has "001_init.sql.*applied"
check "--status shows 002 applied" out_has "002_email_key.sql.*applied"
check "--status shows 900 applied" out_has "900_test_upgrade.sql.*applied"

# ---- a pending file is reported as pending ---------------------------------
printf 'CREATE TABLE test_pending (id int);\n' >"$work/schema/901_pending.sql"
authctl "$db" migrate --status --dir "$work/schema"
check "--status shows 901 pending" out_has "901_pending.sql.*pending"

# ---- an applied file edited: refuse, apply nothing --------------------------
cp "$work/schema/001_init.sql" "$work/001.orig"
printf -- '-- edited after release\n' >>"$work/schema/001_init.sql"
if authctl "$db" migrate --dir "$work/schema"; then
	not_ok "migrate refuses an edited applied file"
else
	ok "migrate refuses an edited applied file"
fi
check "the message names the file" err_has "001_init.sql"
check "the pending 901 was not applied" test \
    "$(psql_q "$db" "SELECT count(*) FROM schema_migrations WHERE version = 901")" = 0
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
mv "$work/schema/900_test_upgrade.sql" "$work/900.moved"
if authctl "$db" migrate --dir "$work/schema"; then
	not_ok "migrate refuses when an applied file is missing"
else
	ok "migrate refuses when an applied file is missing"
fi
check "the message names the missing file" err_has "900_test_upgrade.sql"
mv "$work/900.moved" "$work/schema/900_test_upgrade.sql"

# ---- a failing file rolls back completely -----------------------------------
printf 'CREATE TABLE test_half (id int);\nSELECT * FROM no_such_table;\n' \
    >"$work/schema/902_broken.sql"
if authctl "$db" migrate --dir "$work/schema"; then
	not_ok "a failing migration exits non-zero"
else
	ok "a failing migration exits non-zero"
fi
check "the error names the file and the PostgreSQL message" \
    bash -c "grep -q '902_broken.sql' '$work/err' && grep -q 'no_such_table' '$work/err'"
check "the pending file before it was applied" test \
    "$(psql_q "$db" "SELECT count(*) FROM schema_migrations WHERE version = 901")" = 1
check "the failing file left nothing behind" test \
    "$(psql_q "$db" "SELECT (to_regclass('test_half') IS NULL) || ' ' || count(*) FROM schema_migrations WHERE version = 902")" = "true 0"
rm -f "$work/schema/902_broken.sql" "$work/schema/901_pending.sql"

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
files=("$work"/schema/*.sql)
want=$(for f in "${files[@]}"; do n=${f##*/}; echo "$((10#${n%%_*})):1"; done | paste -sd,)
check "each version is recorded once" test \
    "$(psql_q "$db2" "SELECT string_agg(version || ':' || n, ',' ORDER BY version) FROM (SELECT version, count(*) n FROM schema_migrations GROUP BY version) c")" = "$want"
check "each file was applied by exactly one run" test \
    "$(cat "$work/c1.out" "$work/c2.out" | grep -c '^applied ')" = "${#files[@]}"

# ---- 002 on rows written under 001: email_key -------------------------------
new_db || { echo "cannot create a database"; exit 1; }
db3=$newdb
mkdir -p "$work/only001"
cp "$top/schema/001_init.sql" "$work/only001/"
check "a database at 001" authctl "$db3" migrate --dir "$work/only001"
psql_q "$db3" "INSERT INTO users (email, password_hash) VALUES ('Kim@Kiwi.IO', '\$y\$x'), ('ASCII.Only@Example.COM', '\$y\$x')" >/dev/null
# Two addresses that differ in ASCII case only (no longer blocked once the
# old index is gone): 002 refuses, names the problem, changes nothing.
psql_q "$db3" "DROP INDEX users_email_lower_key; INSERT INTO users (email, password_hash) VALUES ('kim@kiwi.io', '\$y\$x')" >/dev/null
check_fails "002 refuses addresses that share a key" \
    authctl "$db3" migrate --dir "$top/schema"
check "and says why" err_has "ASCII case-insensitively"
check "and records nothing" test \
    "$(psql_q "$db3" "SELECT count(*) FROM schema_migrations WHERE version = 2")" = 0
psql_q "$db3" "DELETE FROM users WHERE email = 'kim@kiwi.io'; CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))" >/dev/null
check "002 applies to the rows of 001" authctl "$db3" migrate --dir "$top/schema"
check "existing rows get their key (ASCII lower case)" test \
    "$(psql_q "$db3" "SELECT string_agg(email_key, ' ' ORDER BY email_key) FROM users")" = \
    "ascii.only@example.com kim@kiwi.io"
check "the key is unique" bash -c "! psql -X -q -h '$AUTH_TEST_PGHOST' -p '$AUTH_TEST_PGPORT' -U '$pguser' -d '$db3' -c \"INSERT INTO users (email, password_hash) VALUES ('KIM@kiwi.io', 'x')\" 2>/dev/null"
check "the lower(email) index is gone" test \
    "$(psql_q "$db3" "SELECT to_regclass('users_email_lower_key') IS NULL")" = t
check "a look-alike gets a key of its own" test \
    "$(psql_q "$db3" "INSERT INTO users (email, password_hash) VALUES (U&'k\\0130m@kiwi.io', 'x') RETURNING email_key = U&'k\\0130m@kiwi.io'")" = t

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
