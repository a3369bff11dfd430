# shellcheck shell=bash
# The shapes section of bench/run (--only shapes; sourced by bench/run):
# the database work of a refresh and of a logout in each shape it could
# take, pgbench against the bench stack's PostgreSQL, at the endpoint's
# process count of clients (throughput: the server's work per request)
# and at one client (latency: what the round trips cost). bench/README.md
# says which was chosen and why.

# script | round trips | what it is
SHAPES=(
	"shape-refresh-tx|7|refresh as it was: BEGIN, 5 statements, COMMIT"
	"shape-refresh-pipeline|2|refresh, pipeline: BEGIN+lookup, changes+COMMIT"
	"rotation|2|refresh, statements: lookup, then one CTE (chosen)"
	"shape-refresh-function|2|refresh, function: lookup, then PL/pgSQL"
	"shape-logout-tx|3|logout as it was: 3 statements, autocommit"
	"shape-logout-pipeline|1|logout, pipeline: BEGIN, 2 statements, COMMIT"
	"logout|1|logout, one CTE statement (chosen)"
	"shape-logout-function|1|logout, function: PL/pgSQL"
)
SHAPE_LINES=()

# shape_one SCRIPT CLIENTS BASE: the TPS of SCRIPT at CLIENTS clients,
# a refresh's chains from the seeded tokens at BASE.
shape_one() {
	local script=$1 DB_CLIENTS=$2 base=$3
	bench_rearm
	case $script in
	*refresh* | rotation)
		pgbench_tps "$script.pgbench" "$secs" -D k=0 -D "base=$base" ;;
	*)
		pgbench_tps "$script.pgbench" "$secs" -D k=0 -D "nclients=$DB_CLIENTS" -D pool=ofloor ;;
	esac
}

# shellcheck disable=SC2034 # FAILED is bench/run's
shapes_section() {
	local entry script trips what many one secs=5 clients=$DB_CLIENTS
	say "shapes: pgbench of each shape, $clients clients and 1 client, ${secs}s each"
	bench_sql <"$BENCH_HOME/sql/shapes.sql" >/dev/null
	for entry in "${SHAPES[@]}"; do
		IFS='|' read -r script trips what <<<"$entry"
		rot_next
		many=$(shape_one "$script" "$clients" "$ROT_BASE") || { many=failed; FAILED=1; }
		DB_CLIENTS=1 rot_next
		one=$(shape_one "$script" 1 "$ROT_BASE") || { one=failed; FAILED=1; }
		SHAPE_LINES+=("$(printf '| %s | %s | %s | %s |' "$what" "$trips" "$many" "$one")")
	done
	bench_sql -c "SET client_min_messages = warning" -c "DROP SCHEMA bench_shapes CASCADE" >/dev/null
}

shapes_report() {
	((${#SHAPE_LINES[@]})) || return 0
	echo
	echo "Shapes of the database work (pgbench -M prepared; tps):"
	echo
	echo "| shape | round trips | $DB_CLIENTS clients | 1 client |"
	echo "|---|---|---|---|"
	printf '%s\n' "${SHAPE_LINES[@]}"
}
