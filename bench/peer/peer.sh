# shellcheck shell=bash
# The peer of bench/run (--peer better-auth): better-auth, pinned with its
# dependencies by package.json and package-lock.json beside this file,
# installed with `npm ci` under the bench stack ($S/peer, i.e.
# var/bench/peer; nothing global), run with Node on 127.0.0.1 against the
# stack's PostgreSQL in a database of its own ("peer"), and measured with
# the same wrk settings, in the same run, as authd's me, login and signup.

PEER_EMAIL=peer-0@bench.example

# The checks: name | authd's scenario | method | path | Lua script.
PEER_CHECKS=(
	"session check|me|GET|/api/auth/get-session|peer-session"
	"sign-in|login|POST|/api/auth/sign-in/email|login"
	"sign-up|signup|POST|/api/auth/sign-up/email|peer-signup"
)

# NAME=VALUE words of the peer's environment.
peer_env() {
	echo "PGHOST=${ST[run_main]}"
	echo "PGPORT=${PORTS[pg_port]}"
	echo "PGUSER=authd"
	echo "PGPASSWORD=$(<"$S/pg/password")"
	echo "PGDATABASE=peer"
	echo "PEER_SECRET=$PEER_SECRET"
	echo "PEER_PORT=$PEER_PORT"
	echo "PEER_WORKERS=$PEER_WORKERS"
	echo "NODE_ENV=production"
	echo "BETTER_AUTH_TELEMETRY=0"
}

peer_fail() {
	PEER_RES[state]="not measured: $*"
	note "peer: $*"
	FAILED=1
}

# The PIDs of the processes under $1 (as_svc's subshell, Node's primary,
# its workers), $1 included.
peer_tree() {
	local pid
	echo "$1"
	for pid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		peer_tree "$pid"
	done
}

# CPU ticks (user + system, all threads) of the peer's processes: the
# primary and its workers.
peer_ticks() {
	local pid t=0 v
	for pid in $(peer_tree "$PEER_PID"); do
		v=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# Waits until the peer's processes used less than 5% of one CPU over half
# a second (the requests a stopped wrk left behind are done: Node goes on
# with a request whose client has gone), at most 60 s.
peer_quiet() {
	local a b i hz
	hz=$(getconf CLK_TCK)
	a=$(peer_ticks)
	for ((i = 0; i < 120; i++)); do
		sleep 0.5
		b=$(peer_ticks)
		(((b - a) * 20 < hz)) && return 0
		a=$b
	done
}

# peer_one CHECK METHOD PATH SCRIPT NAME=VALUE...: a warm-up and the
# measured run, into PEER_RES[CHECK]: "ok req/s p50 p99 errors cpu_us".
peer_one() {
	local check=$1 method=$2 path=$3 script=$4 b t0 t1 errs
	local -A r=()
	shift 4
	say "peer: $check, $method $path (${WARMUP}s warm-up, ${DURATION}s at $CONNS connections)"
	wrk_run "$script" "$PEER_URL$path" "$WARMUP" "$@" AUTH_BENCH_RUN=w >/dev/null || true
	peer_quiet
	t0=$(peer_ticks)
	if ! b=$(wrk_run "$script" "$PEER_URL$path" "$DURATION" "$@" AUTH_BENCH_RUN=m); then
		PEER_RES[$check]="fail wrk failed"
		FAILED=1
		return
	fi
	# CPU of the measured window over the requests completed in it (the
	# backlog wrk leaves is served afterwards, and waited for).
	t1=$(peer_ticks)
	peer_quiet
	parse_bench "$b" r
	errs=$(bench_errs r)
	if ((errs > 0)); then
		note "peer $check: $errs errors: $b"
		FAILED=1
	elif ((r[requests] == 0)); then
		note "peer $check: no request completed in ${DURATION}s (a longer --duration?)"
		FAILED=1
	fi
	PEER_RES[$check]="ok $(bench_rate r) $(ms "${r[p50_us]}") $(ms "${r[p99_us]}") $errs \
$(awk -v t="$((t1 - t0))" -v n="${r[requests]}" -v hz="$(getconf CLK_TCK)" \
		'BEGIN {if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-"}')"
}

# Stops the primary and its workers, by their PIDs: TERM to each (the
# primary stops its workers, a worker closes its server and its pool),
# then waits for each.
peer_stop() {
	local pid tree
	[[ -n ${PEER_PID:-} ]] || return 0
	tree=$(peer_tree "$PEER_PID")
	say "peer: stopping (PIDs ${tree//$'\n'/ })"
	for pid in $tree; do
		alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in $tree; do
		reap "$pid" 10 || true
	done
	PEER_PID=
}

peer_section() {
	local dir=$S/peer out i entry check authd method path script penv=()
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		peer_fail "node or npm is missing (apt-get install nodejs npm)"
		return
	fi
	say "peer: better-auth, npm ci under $dir"
	rm -rf "$dir"
	mkdir -p "$dir"
	install -m 0644 "$BENCH_HOME"/peer/package.json "$BENCH_HOME"/peer/package-lock.json \
		"$BENCH_HOME"/peer/*.mjs "$dir/"
	if ! out=$(npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund 2>&1); then
		peer_fail "npm ci failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
		return
	fi
	PEER_VERSION=$(jq -r .version "$dir/node_modules/better-auth/package.json")
	PEER_NODE=$(node --version)
	pg_super "$S" -d postgres -c "DROP DATABASE IF EXISTS peer" -c "CREATE DATABASE peer OWNER authd"
	PEER_PORT=$(pick_port "$HTTP_PORT ${PORTS[*]}")
	PEER_SECRET=$(gen_secret)
	PEER_WORKERS=$(nproc)
	PEER_URL=http://127.0.0.1:$PEER_PORT
	mapfile -t penv < <(peer_env)
	say "peer: migrations, $PEER_EMAIL, $ACCESS_POOL sessions"
	if ! out=$(as_svc "${penv[@]}" PEER_EMAIL="$PEER_EMAIL" PEER_PASSWORD="$PASSWORD" \
		PEER_SESSIONS="$ACCESS_POOL" PEER_USERS="$((USERS + 1))" \
		PEER_COOKIES="$S/tokens/peer-cookies" node "$dir/setup.mjs" 2>&1); then
		peer_fail "setup failed: $(tail -n 5 <<<"$out" | tr '\n' ' ')"
		return
	fi
	as_svc "${penv[@]}" node "$dir/server.mjs" >>"$S/log/peer.log" 2>&1 &
	PEER_PID=$!
	for ((i = 0; i < 100; i++)); do
		[[ $(curl -s --noproxy '*' -m 2 -o /dev/null -w '%{http_code}' "$PEER_URL/api/auth/ok") == 200 ]] &&
			break
		sleep 0.2
	done
	if ((i == 100)); then
		peer_fail "no answer on $PEER_URL/api/auth/ok (log: $S/log/peer.log)"
		peer_stop
		return
	fi
	for entry in "${PEER_CHECKS[@]}"; do
		IFS='|' read -r check authd method path script <<<"$entry"
		case $script in
		peer-session) peer_one "$check" "$method" "$path" "$script" \
			AUTH_BENCH_TOKENS="$S/tokens/peer-cookies" ;;
		login) peer_one "$check" "$method" "$path" "$script" \
			AUTH_BENCH_EMAIL="$PEER_EMAIL" AUTH_BENCH_PASSWORD="$PASSWORD" ;;
		*) peer_one "$check" "$method" "$path" "$script" AUTH_BENCH_PASSWORD="$PASSWORD" ;;
		esac
	done
	peer_stop
	PEER_RES[state]=ok
	PEER_RES[procs]=$PROCS_NOW
	for entry in "${PEER_CHECKS[@]}"; do
		IFS='|' read -r check authd _ <<<"$entry"
		PEER_RES[authd.$authd]=${RES[$authd]:-skip not run}
	done
}

peer_report() {
	local entry check authd method path script st a_rate a_p99 a_cpu p_rate p_p99 p_cpu hash ratio rest
	[[ -n $PEER ]] || return 0
	echo
	if [[ ${PEER_RES[state]:-} != ok ]]; then
		echo "peer: better-auth ${PEER_RES[state]:-not measured (not selected with --only)}"
		return 0
	fi
	echo "peer: better-auth $PEER_VERSION on Node $PEER_NODE, $PEER_WORKERS processes (node:cluster), its own"
	echo "database on the same PostgreSQL, no rate limit; same wrk settings ($CONNS connections, ${DURATION}s),"
	echo "same run; authd at ${PEER_RES[procs]} processes per endpoint. The hashes are NOT the same work:"
	echo "authd yescrypt cost $COST (16 MiB, in the endpoint process), better-auth scrypt N=16384 r=16 p=1"
	echo "(32 MiB, node:crypto on libuv's thread pool); a sign-in or sign-up ratio compares the"
	echo "services as shipped, not their hashing."
	printf '%-14s %-8s %9s %8s %7s  %-20s %9s %8s %7s %6s  %s\n' check authd req/s p99ms cpu_us \
		better-auth req/s p99ms cpu_us ratio "hash per request"
	for entry in "${PEER_CHECKS[@]}"; do
		IFS='|' read -r check authd method path script <<<"$entry"
		read -r st a_rate _ a_p99 _ a_cpu rest <<<"${PEER_RES[authd.$authd]}"
		[[ $st == ok ]] || { a_rate=-; a_p99=-; a_cpu=-; }
		read -r st p_rate _ p_p99 _ p_cpu rest <<<"${PEER_RES[$check]:-fail}"
		[[ $st == ok ]] || { p_rate=-; p_p99=-; p_cpu=-; }
		ratio=-
		[[ $a_rate != - && $p_rate != - ]] &&
			ratio=$(awk -v a="$a_rate" -v p="$p_rate" 'BEGIN {printf "%.2f", (p > 0 ? a / p : 0)}')
		hash="none (authd: ES256 verify + 1 read; peer: cookie HMAC + session read)"
		[[ $authd != me ]] && hash="authd yescrypt cost $COST / peer scrypt N=16384: not the same work"
		printf '%-14s %-8s %9s %8s %7s  %-20s %9s %8s %7s %6s  %s\n' "$check" "$authd" "$a_rate" \
			"$a_p99" "$a_cpu" "$method ${path#/api/auth/}" "$p_rate" "$p_p99" "$p_cpu" "$ratio" "$hash"
	done
	echo "   (ratio: authd req/s / better-auth req/s; cpu_us: CPU of the service's own processes per"
	echo "   request, PostgreSQL's not counted, on either side)"
}
