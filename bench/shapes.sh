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
SHAPE_CLIENTS=

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

# Each shape runs SHAPE_ROUNDS times, the shapes taking turns, so that a
# burst of other load hits them alike; the best round is kept (as with the
# floors, other load only lowers a rate).
SHAPE_ROUNDS=3
declare -A SHAPE_BEST=()

# shape_keep KEY RATE: keeps the higher of SHAPE_BEST[KEY] and RATE.
shape_keep() {
	local old=${SHAPE_BEST[$1]:-0}
	[[ $2 =~ ^[0-9.]+$ ]] || return 0
	SHAPE_BEST[$1]=$(awk -v a="$old" -v b="$2" 'BEGIN {print (a > b ? a : b)}')
}

# shellcheck disable=SC2034 # FAILED is bench/run's
shapes_section() {
	local entry script trips what v round secs=5
	SHAPE_CLIENTS=$DB_CLIENTS
	say "shapes: pgbench of each shape, $SHAPE_CLIENTS clients and 1 client, ${secs}s each, $SHAPE_ROUNDS rounds"
	bench_sql <"$BENCH_HOME/sql/shapes.sql" >/dev/null
	for ((round = 1; round <= SHAPE_ROUNDS; round++)); do
		for entry in "${SHAPES[@]}"; do
			IFS='|' read -r script trips what <<<"$entry"
			rot_next
			v=$(shape_one "$script" "$SHAPE_CLIENTS" "$ROT_BASE") || { v=failed; FAILED=1; }
			shape_keep "$script many" "$v"
			DB_CLIENTS=1 rot_next
			v=$(shape_one "$script" 1 "$ROT_BASE") || { v=failed; FAILED=1; }
			shape_keep "$script one" "$v"
		done
	done
	for entry in "${SHAPES[@]}"; do
		IFS='|' read -r script trips what <<<"$entry"
		SHAPE_LINES+=("$(printf '| %s | %s | %s | %s |' "$what" "$trips" \
			"${SHAPE_BEST[$script many]:-failed}" "${SHAPE_BEST[$script one]:-failed}")")
	done
	bench_sql -c "SET client_min_messages = warning" -c "DROP SCHEMA bench_shapes CASCADE" >/dev/null
}

shapes_report() {
	((${#SHAPE_LINES[@]})) || return 0
	echo
	echo "Shapes of the database work (pgbench -M prepared; tps, the best of $SHAPE_ROUNDS rounds):"
	echo
	echo "| shape | round trips | $SHAPE_CLIENTS clients | 1 client |"
	echo "|---|---|---|---|"
	printf '%s\n' "${SHAPE_LINES[@]}"
}
