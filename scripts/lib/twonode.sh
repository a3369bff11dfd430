# shellcheck shell=bash
# The two-node stack of `scripts/dev test` (stage e2e-twonode): two
# web-server nodes, lighttpd (main) and Apache (node2), each with its own
# auth.conf, endpoint processes and auth-mailer, sharing one PostgreSQL
# (through one PgBouncer in transaction mode, svc_pgbouncer.sh), one Redis
# (with a replica and three sentinels, svc_sentinel.sh) and the key
# directory, as the nodes of a deployment do; then the module
# tests/e2e/twonode.py against it.

# Endpoint processes per endpoint of each node.
# shellcheck disable=SC2034 # read by inst_procs (stack.sh)
TWONODE_PROCS=2

# The classes of tests/e2e/twonode.py in their order: the failover last
# (the first Redis is a replica after it).
TWONODE_TESTS="twonode.TwoNodeTest twonode.TwoMailersTest twonode.RedisPasswordTest
twonode.PgBouncerTest twonode.SentinelFailoverTest"

# The stage e2e-twonode: a throwaway two-node stack of the normal build.
twonode_stack() {
	local s http
	s=$(place test)/twonode
	stack_remove "$s"
	http=$(pick_port)
	stack_create "$s" normal lighttpd "$http" twonode
	try twonode_run "$s"
	return "$TRY_RC"
}

# Starts the two-node stack $1, runs tests/e2e/twonode.py (or the tests
# AUTH_E2E_ONLY names), stops it.
twonode_run() {
	local s=$1 node2
	trap 'stack_stop "$s"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	stack_start "$s"
	node2="http://127.0.0.1:${PORTS[node2_port]}"
	echo "== e2e: tests/e2e/twonode.py against http://127.0.0.1:${PORTS[http_port]} and $node2"
	e2e_env "$s"
	"${E2E_ENV[@]}" \
		NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1 \
		AUTH_BASE_URL_NODE2="$node2" \
		AUTH_BASE_URL_ALT="$node2" AUTH_BASE_URL_RL="$node2" AUTH_BASE_URL_RL2="$node2" \
		AUTH_TEST_PGBOUNCER_URL="$(pgbouncer_admin_conninfo "$s")" \
		AUTH_TEST_PGBOUNCER_POOL="$PGBOUNCER_POOL_SIZE" \
		AUTH_TEST_SENTINEL_PORT="${PORTS[sentinel1_port]}" \
		AUTH_TEST_REDIS2_PORT="${PORTS[redis2_port]}" \
		python3 "$ROOT/tests/e2e/run.py" ${AUTH_E2E_ONLY:-$TWONODE_TESTS}
}
