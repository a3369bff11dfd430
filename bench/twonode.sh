# shellcheck shell=bash
# The two-node section of bench/run (--nodes 2; sourced by bench/run): the
# bench stack laid out as the suite's two-node stack (scripts/lib/twonode.sh:
# lighttpd on one port, Apache on another, each node with its own auth.conf
# and endpoint processes, one PostgreSQL behind one PgBouncer in transaction
# mode, one Redis with a replica and three sentinels), on the same cores.
# Each scenario runs on node 1 alone, on node 2 alone, and on both at once
# with the same connections split between them; PgBouncer's client and
# server connections are sampled while both run. bench/README.md explains
# the table.

# name | method | path | wrk script
TWONODE_SCENARIOS=(
	"me|GET|/auth/me|get"
	"refresh|POST|/auth/refresh|refresh"
)
# The runs of each scenario: label | connections on node 1 | on node 2.
TWONODE_RUNS=("node 1 alone|1|0" "node 2 alone|0|1" "both at once|1|1")
TWONODE_LINES=()

# Session pools of the refresh scenario: one set of rotation chains per run
# and node, and the warm-ups'.
twonode_pools() {
	local run node
	for run in 0 1 2 warm; do
		for node in 1 2; do
			SESSION_POOLS+=("tn-$run-$node:$((CONNS * 2))")
		done
	done
}

# Both nodes' URLs, by node number.
twonode_urls() {
	NODE_URL=([1]="$BASE_URL" [2]="http://127.0.0.1:${PORTS[node2_port]}")
}

# PgBouncer's admin console: the rows of SHOW $1 for the database auth.
pgbouncer_rows() {
	psql -X -A -t -F ' ' "$(pgbouncer_admin_conninfo "$S")" \
		-c "SHOW $1" 2>/dev/null |
		awk '$3 == "auth"' | wc -l	# type, user, database, ...
}

# Samples PgBouncer every 0.5 s until file $1 disappears; writes the most
# client and server connections seen to $2.
pgbouncer_sample() {
	local flag=$1 out=$2 c s maxc=0 maxs=0
	while [[ -e $flag ]]; do
		c=$(pgbouncer_rows CLIENTS)
		s=$(pgbouncer_rows SERVERS)
		((c > maxc)) && maxc=$c
		((s > maxs)) && maxs=$s
		sleep 0.5
	done
	echo "$maxc $maxs" >"$out"
}

# The wrk environment of scenario $1 (script $2) for run $3 on node $4.
twonode_env() {
	case $2 in
	get) SENV=(AUTH_BENCH_TOKENS="$S/tokens/access-jwt") ;;
	refresh) SENV=(AUTH_BENCH_TOKENS="$S/tokens/tn-$3-$4") ;;
	esac
}

# One run: wrk on each node that has a share of the connections, at once.
# Fills TN[node] with "req/s p99ms errors" and TN[pgb] with "clients
# servers".
twonode_run() {
	local name=$1 path=$2 script=$3 run=$4 on1=$5 on2=$6 node n=0 conns
	local flag out pids=() b
	local -A r=()
	((on1)) && ((++n))
	((on2)) && ((++n))
	conns=$((CONNS / n))
	out=$(mktemp -d)
	: >"$out/sampling"
	pgbouncer_sample "$out/sampling" "$out/pgb" &
	local sampler=$!
	for node in 1 2; do
		local on=$on1
		((node == 2)) && on=$on2
		((on)) || continue
		twonode_env "$name" "$script" "$run" "$node"
		CONNS=$conns wrk_run "$script" "${NODE_URL[$node]}$path" "$DURATION" \
			"${SENV[@]}" >"$out/$node" &
		pids+=($!)
	done
	for b in "${pids[@]}"; do
		wait "$b" || { note "$name, $run: a wrk failed"; FAILED=1; }
	done
	rm -f "$out/sampling"
	wait "$sampler" || true
	TN=()
	for node in 1 2; do
		[[ -s $out/$node ]] || continue
		r=()
		parse_bench "$(grep '^BENCH ' "$out/$node")" r
		TN[$node]="$(bench_rate r) $(ms "${r[p99_us]}") $(bench_errs r)"
	done
	TN[pgb]=$(<"$out/pgb")
	rm -rf "$out"
}

twonode_section() {
	local entry name method path script run label on1 on2 i
	local -A TN=()
	twonode_urls
	for entry in "${TWONODE_SCENARIOS[@]}"; do
		IFS='|' read -r name method path script <<<"$entry"
		selected "$name" || continue
		bench_rearm
		say "two nodes, $name: $method $path, ${WARMUP}s warm-up per node"
		for node in 1 2; do
			twonode_env "$name" "$script" warm "$node"
			CONNS=$((CONNS / 2)) wrk_run "$script" "${NODE_URL[$node]}$path" "$WARMUP" \
				"${SENV[@]}" >/dev/null || true
		done
		wait_quiet
		for ((i = 0; i < ${#TWONODE_RUNS[@]}; i++)); do
			IFS='|' read -r label on1 on2 <<<"${TWONODE_RUNS[i]}"
			say "two nodes, $name: $label (${DURATION}s, $CONNS connections in all)"
			twonode_run "$name" "$path" "$script" "$i" "$on1" "$on2"
			twonode_record "$name" "$label" "$on1" "$on2"
			wait_quiet
		done
	done
}

# One line of the table from TN; errors fail the run.
twonode_record() {
	local name=$1 label=$2 on1=$3 on2=$4 node total=0 errs=0 cols=() rate p99 e
	for node in 1 2; do
		if [[ -z ${TN[$node]:-} ]]; then
			cols+=("-" "-")
			continue
		fi
		read -r rate p99 e <<<"${TN[$node]}"
		cols+=("$rate" "$p99")
		total=$(awk -v a="$total" -v b="$rate" 'BEGIN {printf "%.1f", a + b}')
		errs=$((errs + e))
	done
	if ((errs > 0)); then
		FAILED=1
		note "two nodes, $name, $label: $errs unexpected answers or socket errors"
	fi
	TWONODE_LINES+=("$(printf '%-8s  %-13s  %9s %7s  %9s %7s  %9s  %6s  %s' "$name" "$label" \
		"${cols[0]}" "${cols[1]}" "${cols[2]}" "${cols[3]}" "$total" "$errs" \
		"$(awk '{print $1 " / " $2}' <<<"${TN[pgb]}")")")
}

twonode_report() {
	local procs
	procs=$(endpoint_pids me.fcgi | wc -l)
	echo
	echo "== bench/run --nodes 2: $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), load average before: $LOAD0;" \
		"after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "   node 1: lighttpd, node 2: Apache, $procs processes per endpoint each; one PostgreSQL through"
	echo "   PgBouncer (transaction mode, default_pool_size $PGBOUNCER_POOL_SIZE), one Redis (a replica and three"
	echo "   sentinels); all on the same cores. ${DURATION}s per run, $CONNS connections in all (both at once:"
	echo "   $((CONNS / 2)) per node); me: $ACCESS_POOL distinct access tokens; refresh: each connection its own chain"
	echo
	printf '%-8s  %-13s  %9s %7s  %9s %7s  %9s  %6s  %s\n' scenario run "n1 req/s" "p99ms" \
		"n2 req/s" "p99ms" "total" errors "pgbouncer clients / servers (most)"
	printf '%s\n' "${TWONODE_LINES[@]}"
	if ((${#NOTES[@]})); then
		echo
		printf 'note: %s\n' "${NOTES[@]}"
	fi
	echo
	if ((FAILED)); then
		echo "RESULT: FAILED (errors above)"
	else
		echo "RESULT: ok (no unexpected answers)"
	fi
}
