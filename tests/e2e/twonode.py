"""Two nodes, one state: lighttpd (AUTH_BASE_URL) and Apache
(AUTH_BASE_URL_NODE2), each with its own endpoint processes, config and
auth-mailer, sharing one PostgreSQL and one Redis. Run by the stage
e2e-twonode (scripts/lib/twonode.sh), not by the main suite."""

import hashlib
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from helpers import (E2ETestCase, MAIN, create_user, login, login_pair,
                     mails, new_email, outbox_state, post, refresh, request,
                     redis_cli, signup, sql, stack_ctl, strong_password,
                     wait_mails)
from keytools import authctl, jwk_for, token_kid, wait_for

NODE1 = MAIN
NODE2 = os.environ["AUTH_BASE_URL_NODE2"].rstrip("/")
NODES = (NODE1, NODE2)
LEEWAY = 2                      # refresh_reuse_leeway of twonode.conf
LOGIN_ACCOUNT_LIMIT = 6         # login_account of twonode.conf
TWONODE_PROCS = 2               # processes per endpoint (twonode.sh)


def me(token, base):
    return request("GET", "/auth/me", bearer=token, base=base)


class TwoNodeTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("two")

    def test_both_nodes_are_healthy_and_distinct(self):
        for base in NODES:
            with self.subTest(base):
                r = request("GET", "/auth/health", base=base)
                self.assertStatus(r, 200)
                self.assertEqual(r.json["checks"]["redis"], "ok", r.describe())
        self.assertNotEqual(NODE1, NODE2)

    def test_a_token_of_one_node_verifies_on_the_other(self):
        for a, b in ((NODE1, NODE2), (NODE2, NODE1)):
            with self.subTest(issued=a, verified=b):
                pair = login_pair(self.user, base=a)
                r = me(pair["access_token"], b)
                self.assertStatus(r, 200)
                self.assertEqual(r.json["email"], self.user.email)
                # and its refresh token rotates there
                r = refresh(pair["refresh_token"], base=b)
                self.assertStatus(r, 200)
                self.assertStatus(me(r.json["access_token"], a), 200)

    def test_a_rotated_refresh_token_is_reuse_on_the_other_node(self):
        pair = login_pair(self.user, base=NODE1)
        r1 = pair["refresh_token"]
        r = refresh(r1, base=NODE1)
        self.assertStatus(r, 200)
        r2 = r.json["refresh_token"]
        # within the leeway the other node hands out the same successor
        r = refresh(r1, base=NODE2)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["refresh_token"], r2)
        time.sleep(LEEWAY + 1)
        r = refresh(r1, base=NODE2)
        self.assertProblem(r, 401, "invalid_refresh_token")
        # reuse revoked the family: the successor is dead on both nodes
        for base in NODES:
            with self.subTest(base):
                self.assertProblem(refresh(r2, base=base), 401,
                                   "invalid_refresh_token")

    def test_a_logout_on_one_node_ends_the_refresh_on_the_other(self):
        pair = login_pair(self.user, base=NODE2)
        r = post("/auth/logout", {"refresh_token": pair["refresh_token"]},
                 base=NODE1)
        self.assertStatus(r, 204)
        self.assertProblem(refresh(pair["refresh_token"], base=NODE2), 401,
                           "invalid_refresh_token")

    def test_the_login_limit_counts_requests_to_both_nodes(self):
        email = new_email("twolim")
        statuses = []
        for i in range(LOGIN_ACCOUNT_LIMIT + 2):
            r = login(email, "wrong-" + strong_password(),
                      base=NODES[i % 2])
            statuses.append(r.status)
        self.assertEqual(statuses[:LOGIN_ACCOUNT_LIMIT],
                         [401] * LOGIN_ACCOUNT_LIMIT, statuses)
        self.assertEqual(statuses[LOGIN_ACCOUNT_LIMIT:], [429, 429],
                         statuses)

    def test_redis_holds_no_unkeyed_digest_of_an_email(self):
        email = new_email("twokey")
        login(email, "wrong-" + strong_password(), base=NODE1)
        keys = redis_cli("--scan", "--pattern", "authd:*").split()
        self.assertTrue(keys)
        norm = email.strip().lower().encode()
        plain = hashlib.sha256(norm).hexdigest()[:32]
        for k in keys:
            self.assertNotIn(plain, k)
            self.assertNotIn(email.split("@")[0], k)
            self.assertRegex(k, r"\{[0-9a-f]{32}\}")

    def test_a_key_rotated_with_authctl_reaches_both_without_restart(self):
        kid = authctl("keys", "generate").stdout.strip()
        for base in NODES:
            wait_for("the new key in the JWKS of " + base,
                     lambda b=base: jwk_for(kid, base=b))
        authctl("keys", "activate", kid)
        tokens = {}
        for base in NODES:
            tokens[base] = wait_for(
                "tokens of %s signed by the new key" % base,
                lambda b=base: (lambda t: t if token_kid(t) == kid else None)(
                    login_pair(self.user, base=b)["access_token"]))
        for a, b in ((NODE1, NODE2), (NODE2, NODE1)):
            self.assertStatus(me(tokens[a], b), 200)


def wait_health(base, status, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        h = request("GET", "/auth/health", base=base)
        if h.status == 200 and h.json.get("status") == status:
            return h
        if time.monotonic() > deadline:
            raise AssertionError("health of %s not %r within %ds: %s"
                                 % (base, status, timeout, h.describe()))
        time.sleep(0.2)


class RedisPasswordTest(E2ETestCase):
    """Redis refusing the nodes' password (changed under them): the
    degraded path, limits in process; the right one again: back to ok."""

    def test_a_refused_password_degrades_then_recovers(self):
        pwfile = os.path.join(os.environ["AUTH_STACK_DIR"], "keys",
                              "redis.password")
        with open(pwfile, encoding="ascii") as f:
            right = f.readline().strip()
        try:
            redis_cli("ACL", "SETUSER", "authd", "resetpass",
                      ">" + strong_password())
            redis_cli("CLIENT", "KILL", "USER", "authd")
            for base in NODES:
                h = wait_health(base, "degraded")
                self.assertEqual({k: h.json["checks"][k]
                                  for k in ("db", "redis")},
                                 {"db": "ok", "redis": "degraded"})
            # each process counts on its own: limited all the same
            email = new_email("twodeg")
            statuses = []
            for _ in range(TWONODE_PROCS * LOGIN_ACCOUNT_LIMIT + 1):
                statuses.append(login(email, "wrong-" + strong_password(),
                                      base=NODE1).status)
                if statuses[-1] == 429:
                    break
            self.assertEqual(statuses[-1], 429, statuses)
            self.assertEqual(set(statuses[:-1]), {401}, statuses)
        finally:
            redis_cli("ACL", "SETUSER", "authd", "resetpass", ">" + right)
        for base in NODES:
            wait_health(base, "ok")


class TwoMailersTest(E2ETestCase):
    """A mailer on each node, one outbox: every message goes out once."""

    def test_each_message_is_sent_once(self):
        addrs = []
        for i in range(6):
            email = new_email("twomail")
            r = signup(email, strong_password(), base=NODES[i % 2])
            self.assertStatus(r, 202)
            addrs.append(email)
        for a in addrs:
            wait_mails(a, 1)
        # two more polls of each mailer: nothing is sent again
        time.sleep(7)
        for a in addrs:
            with self.subTest(a):
                self.assertEqual(len(mails(a)), 1)
                self.assertEqual(outbox_state(a), {"sent": 1})
        self.assertEqual(sql(
            "SELECT count(*) FROM outbox WHERE status = 'sent' AND "
            "attempts > 1;")[0][0], "0")


def pgbouncer_show(what):
    """SHOW what on PgBouncer's admin console: a list of row dicts."""
    p = subprocess.run(["psql", "-X", "-A", "-F", "\t", "-P", "footer=off",
                        os.environ["AUTH_TEST_PGBOUNCER_URL"], "-c",
                        "SHOW " + what], capture_output=True, text=True,
                       timeout=20)
    if p.returncode != 0:
        raise AssertionError("SHOW %s: %s" % (what, p.stderr))
    lines = p.stdout.splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:]]


class PgBouncerTest(E2ETestCase):
    """PgBouncer in transaction mode between every endpoint process of both
    nodes and PostgreSQL: unnamed statements work through it, the server
    connections stay within the pool, a restart is 503s, then recovery."""

    @classmethod
    def setUpClass(cls):
        cls.users = [create_user("pgb") for _ in range(2)]
        cls.tokens = [login_pair(u, base=b)["access_token"]
                      for u, b in zip(cls.users, NODES)]

    def load(self, rounds):
        """GET /auth/me (a database read) on both nodes, 16 at a time,
        with the tokens of two users: the statuses, and whether every 200
        named the token's own user."""
        def one(i):
            m = me(self.tokens[i % 2], NODES[(i // 2) % 2])
            return m.status, (m.status != 200 or
                              m.json["email"] == self.users[i % 2].email)
        with ThreadPoolExecutor(16) as ex:
            out = list(ex.map(one, range(rounds)))
        return [st for st, _ in out], all(ok for _, ok in out)

    def test_server_connections_stay_within_the_pool(self):
        statuses, right = self.load(64)
        self.assertEqual(set(statuses), {200}, statuses)
        self.assertTrue(right)
        # /auth/health pings the database from its own processes too
        with ThreadPoolExecutor(8) as ex:
            health = list(ex.map(lambda i: request(
                "GET", "/auth/health", base=NODES[i % 2]).status, range(32)))
        self.assertEqual(set(health), {200}, health)
        pools = [p for p in pgbouncer_show("POOLS") if p["database"] == "auth"]
        self.assertEqual(len(pools), 1, pools)
        self.assertEqual(pools[0]["pool_mode"], "transaction")
        servers = [s for s in pgbouncer_show("SERVERS")
                   if s["database"] == "auth"]
        clients = [c for c in pgbouncer_show("CLIENTS")
                   if c["database"] == "auth"]
        pool = int(os.environ["AUTH_TEST_PGBOUNCER_POOL"])
        print("\n  PgBouncer: %d client connections over %d server "
              "connections (pool %d)" % (len(clients), len(servers), pool))
        self.assertLessEqual(len(servers), pool)
        # more endpoint processes than server connections share them
        self.assertGreater(len(clients), len(servers))
        n = int(sql("SELECT count(*) FROM pg_stat_activity WHERE "
                    "datname = 'auth' AND usename = 'authd' AND "
                    "pid <> pg_backend_pid();")[0][0])
        self.assertLessEqual(n, pool)

    def test_a_restart_is_503_then_recovery_and_no_wrong_answer(self):
        seen = []
        stop = threading.Event()

        def background():
            while not stop.is_set():
                seen.append(self.load(4))
        t = threading.Thread(target=background)
        t.start()
        try:
            time.sleep(1)
            stack_ctl("pgbouncer-stop")
            down = [me(self.tokens[0], b).status for b in NODES]
            time.sleep(1)
            stack_ctl("pgbouncer-start")
            t0 = time.monotonic()
            wait_for("answers through the restarted PgBouncer", lambda: all(
                me(tok, b).status == 200
                for tok in self.tokens for b in NODES), timeout=20)
            print("\n  recovered %.1f s after the start"
                  % (time.monotonic() - t0))
            time.sleep(1)
        finally:
            stop.set()
            t.join()
        self.assertEqual(down, [503, 503])
        statuses = [s for st, _ in seen for s in st]
        print("\n  during the restart: %d answers, %d of them 503"
              % (len(statuses), statuses.count(503)))
        self.assertLessEqual(set(statuses), {200, 503}, statuses)
        self.assertIn(200, statuses)
        self.assertTrue(all(ok for _, ok in seen))


def sentinel_master():
    """What the first sentinel knows of the master: a dict of fields."""
    p = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p",
                        os.environ["AUTH_TEST_SENTINEL_PORT"], "SENTINEL",
                        "MASTER", "authd"], capture_output=True, text=True,
                       timeout=10)
    f = p.stdout.split("\n")
    return dict(zip(f[0::2], f[1::2]))


class SentinelFailoverTest(E2ETestCase):
    """Both nodes find Redis through three sentinels; the primary is
    stopped mid-run, the sentinels promote the replica, and the limits
    still count (in process for the failover window at worst)."""

    def test_the_limits_follow_a_failover(self):
        wait_for("the sentinels see the replica and each other", lambda:
                 sentinel_master().get("num-slaves") == "1" and
                 sentinel_master().get("num-other-sentinels") == "2",
                 timeout=30)
        statuses = []
        stack_ctl("redis-stop")
        t0 = time.monotonic()
        promoted = None
        try:
            email = new_email("twofo")
            while time.monotonic() - t0 < 40:
                statuses.append(login(email, "wrong-" + strong_password(),
                                      base=NODES[len(statuses) % 2]).status)
                if sentinel_master().get("port") == \
                        os.environ["AUTH_TEST_REDIS2_PORT"] and all(
                            request("GET", "/auth/health", base=b).json
                            ["checks"]["redis"] == "ok" for b in NODES):
                    promoted = time.monotonic() - t0
                    break
                time.sleep(0.2)
        finally:
            stack_ctl("redis-start")
        self.assertIsNotNone(promoted, "no failover within 40 s")
        print("\n  failover: both nodes on the promoted replica %.1f s "
              "after the primary stopped" % promoted)
        # answers all along: counted (401), or limited (429), never 5xx
        self.assertLessEqual(set(statuses), {401, 429}, statuses)
        # on the new master the limit counts the requests to both nodes,
        # once each process is back on Redis: one that found Redis down
        # counts in process for RL_RETRY_MS (1 s) before it tries again
        time.sleep(1.5)
        email = new_email("twofo2")
        got = [login(email, "wrong-" + strong_password(),
                     base=NODES[i % 2]).status
               for i in range(LOGIN_ACCOUNT_LIMIT + 1)]
        self.assertEqual(got, [401] * LOGIN_ACCOUNT_LIMIT + [429])
