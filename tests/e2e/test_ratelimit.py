"""Rate limits and brute-force protection, against the RL and RL2 instances:
short periods (login_ip=5/30, signup_ip=3/10, refresh_ip=10/10,
verify_ip=10/10, logout_ip=30/10, login_account=20/60), the default login
lockout (from the 5th failure on), one process per endpoint, one shared Redis,
and only 127.0.0.1 as a trusted proxy: requests sent from another loopback
address are an untrusted peer whose X-Forwarded-For must be ignored.

Each test uses fresh emails and fresh client addresses, so that counters
never carry over between tests. RedisOutageTest stops Redis; run.py runs it
just before the database outage.
"""

import os
import random
import re
import time

from helpers import (E2ETestCase, MAIN, RL, RL2, STACK_DIR, create_user,
                     login, login_pair, new_email, new_ip, not_under_cgi,
                     post, redis_evals, refresh, request, sql_value,
                     stack_ctl, strong_password)

# What RL and RL2 are configured with (tests/e2e/stack/rl.conf).
LOGIN_IP = (5, 30)
LOGIN_ACCOUNT = (20, 60)
SIGNUP_IP = (3, 10)
REFRESH_IP = (10, 10)
VERIFY_IP = (10, 10)
LOGOUT_IP = (30, 10)
REFRESH_SESSION = (10, 60)          # the built-in default
FORGOT_IP = (5, 3600)               # the built-in default
LOCKOUT_THRESHOLD = 5               # the built-in default
# What MAIN is configured with: limits that never trip.
MAIN_LOGIN_IP = (100000, 60)

POLICY_RE = re.compile(r'^"([a-z0-9_]+)";q=(\d+);w=(\d+)$')
STATE_RE = re.compile(r'^"([a-z0-9_]+)";r=(\d+);t=(\d+)$')

_rng = random.SystemRandom()


def untrusted_source():
    """A loopback address other than 127.0.0.1 (the only trusted proxy),
    fresh per call so that tests do not share its counters."""
    return "127.%d.%d.%d" % (_rng.randrange(1, 255), _rng.randrange(0, 256),
                             _rng.randrange(2, 255))


def new_ipv6_prefix():
    """A random 2001:db8::/32 /64, as its first four groups."""
    return "2001:db8:%x:%x" % (_rng.randrange(1, 0xffff),
                               _rng.randrange(1, 0xffff))


def wrong_login(base, ip, email=None, source=None):
    """A login for an unknown email: a 401 unless limited."""
    return post("/auth/login", {"email": email or new_email("rl"),
                                "password": "Wrong-pass-123"},
                base=base, ip=ip, source=source)


class RateLimitCase(E2ETestCase):

    def policy(self, r):
        """(rule, limit, period) of r's RateLimit-Policy header."""
        v = r.header("RateLimit-Policy")
        self.assertIsNotNone(v, "no RateLimit-Policy: " + r.describe())
        m = POLICY_RE.match(v)
        self.assertIsNotNone(m, "bad RateLimit-Policy: " + r.describe())
        return m.group(1), int(m.group(2)), int(m.group(3))

    def state(self, r):
        """(rule, remaining, reset) of r's RateLimit header."""
        v = r.header("RateLimit")
        self.assertIsNotNone(v, "no RateLimit: " + r.describe())
        m = STATE_RE.match(v)
        self.assertIsNotNone(m, "bad RateLimit: " + r.describe())
        return m.group(1), int(m.group(2)), int(m.group(3))

    def assertPolicy(self, r, rule, limit_period):
        name, q, w = self.policy(r)
        self.assertEqual((name, q, w), (rule,) + tuple(limit_period),
                         r.describe())
        sname, remaining, reset = self.state(r)
        self.assertEqual(sname, rule, r.describe())
        self.assertLessEqual(remaining, q, r.describe())
        self.assertLessEqual(reset, w, r.describe())
        return remaining

    def assertLimited(self, r, rule=None, limit_period=None, secrets_=()):
        """A 429 rate_limited with Retry-After >= 1 and, when rule is
        given, that rule's RateLimit-Policy / RateLimit. Returns the
        Retry-After seconds."""
        self.assertProblem(r, 429, "rate_limited", secrets_)
        ra = r.header("Retry-After")
        self.assertIsNotNone(ra, "no Retry-After: " + r.describe())
        self.assertRegex(ra, r"^[0-9]+$", r.describe())
        self.assertGreaterEqual(int(ra), 1, r.describe())
        if rule is not None:
            self.assertPolicy(r, rule, limit_period)
            self.assertEqual(self.state(r)[1], 0, r.describe())
            self.assertLessEqual(int(ra), limit_period[1], r.describe())
        return int(ra)

    def assertNoPolicy(self, r):
        """Neither RateLimit-Policy nor RateLimit."""
        self.assertIsNone(r.header("RateLimit-Policy"), r.describe())
        self.assertIsNone(r.header("RateLimit"), r.describe())

    def until_limited(self, send, limit_period, most=None, check=True):
        """Calls send(i) until the first 429; returns (allowed, the 429).
        With check, asserts that the count is the limit plus whatever the
        elapsed time earned back (GCRA: one request per period/limit s)."""
        limit, period = limit_period
        most = most or 3 * limit
        t0 = time.monotonic()
        allowed = []
        for i in range(most):
            r = send(i)
            if r.status == 429:
                break
            allowed.append(r)
        else:
            self.fail("no 429 after %d requests; last: %s"
                      % (most, r.describe()))
        earned = int((time.monotonic() - t0) / (period / limit))
        if not check:
            return allowed, r
        self.assertGreaterEqual(len(allowed), limit,
                                "refused too early: " + r.describe())
        self.assertLessEqual(len(allowed), limit + earned,
                             "%d requests allowed in %.1fs with %d/%ds: %s"
                             % (len(allowed), time.monotonic() - t0, limit,
                                period, r.describe()))
        return allowed, r


class IpLimitTest(RateLimitCase):

    def test_n_plus_one_is_429_and_the_limit_comes_back(self):
        limit, period = LOGIN_IP
        t0 = time.monotonic()
        remaining = []
        for _ in range(limit):
            r = wrong_login(RL, self.ip)
            self.assertProblem(r, 401, "invalid_credentials")
            # A fresh email: the IP rule is the tightest.
            remaining.append(self.assertPolicy(r, "login_ip", LOGIN_IP))
        r = wrong_login(RL, self.ip)
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, period / limit,
                        "the test machine is too slow to check the burst")
        ra = self.assertLimited(r, "login_ip", LOGIN_IP)
        self.assertEqual(remaining, sorted(remaining, reverse=True),
                         remaining)
        self.assertEqual(remaining[-1], 0, remaining)
        # Still refused within the window, also on the other instance.
        self.assertLimited(wrong_login(RL2, self.ip), "login_ip", LOGIN_IP)

        # One emission interval later exactly one request is allowed again
        # (no fixed window that lets a whole new burst through).
        time.sleep(max(ra, period / limit) + 0.3)
        r = wrong_login(RL, self.ip)
        self.assertProblem(r, 401, "invalid_credentials")
        self.assertLimited(wrong_login(RL, self.ip), "login_ip", LOGIN_IP)

    def test_successful_answers_carry_the_tightest_policy(self):
        user = create_user("rlok")
        r = login(user.email, user.password, base=RL, ip=self.ip)
        self.assertTokenPair(r)
        self.assertEqual(self.assertPolicy(r, "login_ip", LOGIN_IP),
                         LOGIN_IP[0] - 1)
        # The functional instances run with limits that never trip (the
        # tightest may be login_ip or login_account there: same numbers).
        r = login(user.email, user.password, base=MAIN, ip=new_ip())
        self.assertTokenPair(r)
        self.assertEqual(self.policy(r)[1:], MAIN_LOGIN_IP, r.describe())

    def test_forwarded_for_from_an_untrusted_peer_is_ignored(self):
        src = untrusted_source()
        allowed, r = self.until_limited(
            lambda i: wrong_login(RL, new_ip(), source=src), LOGIN_IP)
        self.assertLimited(r, "login_ip", LOGIN_IP)
        for a in allowed:
            self.assertProblem(a, 401, "invalid_credentials")
        # The peer itself stays limited whatever it claims to forward.
        self.assertLimited(wrong_login(RL2, new_ip(), source=src),
                           "login_ip", LOGIN_IP)

    def test_forwarded_for_from_the_trusted_proxy_is_honoured(self):
        for _ in range(3 * LOGIN_IP[0]):
            r = wrong_login(RL, new_ip())
            self.assertProblem(r, 401, "invalid_credentials")
            self.assertEqual(self.assertPolicy(r, "login_ip", LOGIN_IP),
                             LOGIN_IP[0] - 1)
        # And the forwarded address is what is counted.
        allowed, r = self.until_limited(lambda i: wrong_login(RL, self.ip),
                                        LOGIN_IP)
        self.assertLimited(r, "login_ip", LOGIN_IP)

    def test_default_trusts_the_proxy_on_the_same_host(self):
        # MAIN runs with trusted_proxies unset: the default trusts every
        # loopback address, so a request from 127.x.y.z is counted (and
        # audited) as the client it forwards for.
        user = create_user("rldef")
        fwd = new_ip()
        r = post("/auth/login", {"email": user.email,
                                 "password": user.password},
                 base=MAIN, ip=fwd, source=untrusted_source())
        self.assertTokenPair(r)
        self.assertEqual(sql_value(
            "SELECT host(ip) FROM audit_events WHERE user_id = :'u' AND "
            "event = 'login_succeeded';", u=user.id), fwd)

    @not_under_cgi("one process per request: logged once per process is "
                   "once per request, and to Apache's error log")
    def test_forwarded_for_from_an_untrusted_local_peer_is_logged_once(self):
        log = os.path.join(STACK_DIR, "rl", "log", "endpoints.log")
        for _ in range(3):
            r = self.req("GET", "/auth/health", base=RL, ip=new_ip(),
                         source=untrusted_source())
            self.assertEqual(r.status, 200, r.describe())
        # RL runs one process per endpoint: one line for health, however
        # many such requests it has seen.
        deadline = time.monotonic() + 5
        while True:
            with open(log, encoding="utf-8", errors="replace") as f:
                lines = [ln for ln in f if '"endpoint":"health"' in ln
                         and "not in trusted_proxies" in ln]
            if lines or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn('"level":"error"', lines[0])

    def test_ipv6_clients_are_counted_per_64(self):
        net = new_ipv6_prefix()
        allowed, r = self.until_limited(
            lambda i: wrong_login(RL, "%s::%x" % (net, i + 1)), LOGIN_IP)
        self.assertLimited(r, "login_ip", LOGIN_IP)
        # Another /64 is another client.
        r = wrong_login(RL, new_ipv6_prefix() + "::1")
        self.assertProblem(r, 401, "invalid_credentials")

    def test_two_instances_share_the_count(self):
        bases = (RL, RL2)
        allowed, r = self.until_limited(
            lambda i: wrong_login(bases[i % 2], self.ip), LOGIN_IP)
        self.assertLimited(r, "login_ip", LOGIN_IP)
        self.assertLimited(wrong_login(RL, self.ip), "login_ip", LOGIN_IP)
        self.assertLimited(wrong_login(RL2, self.ip), "login_ip", LOGIN_IP)

    def test_signup_ip(self):
        pw = strong_password()
        allowed, r = self.until_limited(
            lambda i: post("/auth/signup",
                           {"email": new_email("rlsign"), "password": pw},
                           base=RL, ip=self.ip), SIGNUP_IP)
        self.assertLimited(r, "signup_ip", SIGNUP_IP, [pw])
        for a in allowed:
            self.assertEqual(a.status, 202, a.describe())
            self.assertPolicy(a, "signup_ip", SIGNUP_IP)

    def test_refresh_ip(self):
        pair = login_pair(create_user("rlref"))
        allowed, r = self.until_limited(
            lambda i: refresh("x" * 43, base=RL2, ip=self.ip), REFRESH_IP)
        self.assertLimited(r, "refresh_ip", REFRESH_IP)
        for a in allowed:
            self.assertProblem(a, 401, "invalid_refresh_token")
            self.assertPolicy(a, "refresh_ip", REFRESH_IP)
        # Refused before any change: a valid one is refused too (its rule
        # and refresh_session go in one Redis call) and still works from
        # elsewhere afterwards.
        self.assertLimited(refresh(pair["refresh_token"], base=RL,
                                   ip=self.ip), "refresh_ip", REFRESH_IP)
        self.assertTokenPair(refresh(pair["refresh_token"], base=RL,
                                     ip=new_ip()), full=False)

    def test_refresh_session(self):
        # Each refresh from a fresh address: only the session rule counts.
        limit = REFRESH_SESSION[0]
        tok = login_pair(create_user("rlsess"))["refresh_token"]
        for _ in range(limit):
            r = refresh(tok, base=RL, ip=new_ip())
            tok = self.assertTokenPair(r, full=False)["refresh_token"]
        r = refresh(tok, base=RL, ip=new_ip())
        self.assertLimited(r, secrets_=[tok])
        self.assertNoPolicy(r)

    def test_ip_rule_with_the_account_rule(self):
        # forgot counts forgot_ip with forgot_account in one Redis call;
        # over forgot_ip, a request whose body never reaches the account
        # rule is refused all the same: 429, not 422 or 400.
        limit = FORGOT_IP[0]
        r = post("/auth/password/forgot", {"email": "not-an-email"},
                 base=RL, ip=self.ip)
        self.assertValidation(r, ["email"])
        self.assertEqual(self.assertPolicy(r, "forgot_ip", FORGOT_IP),
                         limit - 1)
        for _ in range(limit - 1):
            r = post("/auth/password/forgot", {"email": new_email("rlfi")},
                     base=RL, ip=self.ip)
            self.assertEqual(r.status, 202, r.describe())
            self.assertPolicy(r, "forgot_ip", FORGOT_IP)
        for body in ({"email": "not-an-email"}, {}, {"email": new_email()}):
            self.assertLimited(post("/auth/password/forgot", body, base=RL,
                                    ip=self.ip), "forgot_ip", FORGOT_IP)
        r = request("POST", "/auth/password/forgot", body="{", base=RL,
                    ctype="application/json", ip=self.ip)
        self.assertLimited(r, "forgot_ip", FORGOT_IP)

    def test_account_refusal_shows_no_policy(self):
        # forgot_account is 3 an hour: the 4th request for one address,
        # each from a fresh client, is refused with Retry-After alone (the
        # rule's state would tell that others asked for that address).
        email = new_email("rlfa")
        for _ in range(3):
            r = post("/auth/password/forgot", {"email": email}, base=RL,
                     ip=new_ip())
            self.assertEqual(r.status, 202, r.describe())
            self.assertEqual(self.policy(r)[0], "forgot_ip", r.describe())
        r = post("/auth/password/forgot", {"email": email}, base=RL,
                 ip=new_ip())
        self.assertLimited(r)
        self.assertNoPolicy(r)

    def test_verify_ip(self):
        allowed, r = self.until_limited(
            lambda i: post("/auth/verify-email", {"token": "y" * 43},
                           base=RL, ip=self.ip), VERIFY_IP)
        self.assertLimited(r, "verify_ip", VERIFY_IP)
        for a in allowed:
            self.assertNotEqual(a.status, 200, a.describe())

    def test_logout_ip(self):
        allowed, r = self.until_limited(
            lambda i: post("/auth/logout", {"refresh_token": "z" * 43},
                           base=RL, ip=self.ip), LOGOUT_IP)
        self.assertLimited(r, "logout_ip", LOGOUT_IP)
        for a in allowed:
            self.assertEqual(a.status, 204, a.describe())


class BruteForceTest(RateLimitCase):

    def test_one_account_from_many_addresses(self):
        user = create_user("rlbf")
        known = new_ip()
        self.assertTokenPair(login(user.email, user.password, base=RL,
                                   ip=known))
        statuses = {}
        failures = 0
        for i in range(100):
            r = login(user.email, user.password + "x",
                      base=(RL, RL2)[i % 2], ip=new_ip())
            statuses[r.status] = statuses.get(r.status, 0) + 1
            if r.status == 401:
                self.assertProblem(r, 401, "invalid_credentials",
                                   [user.password])
                failures += 1
            else:
                self.assertLimited(r, secrets_=[user.password])
        self.assertEqual(set(statuses) - {401, 429}, set(), statuses)
        self.assertLessEqual(failures, LOCKOUT_THRESHOLD + 4, statuses)
        self.assertLessEqual(failures, LOGIN_ACCOUNT[0], statuses)
        self.assertGreaterEqual(failures, LOCKOUT_THRESHOLD, statuses)
        self.assertEqual(statuses.get(429, 0), 100 - failures, statuses)

        # The right password from a new address waits too: refused before
        # the password is looked at.
        r = login(user.email, user.password, base=RL, ip=new_ip())
        self.assertLimited(r, secrets_=[user.password])
        # The owner, from an address that logged in before, is let in.
        r = login(user.email, user.password, base=RL2, ip=known)
        self.assertTokenPair(r)

        n = sql_value("SELECT count(*) FROM audit_events WHERE user_id = "
                      ":'u' AND event = 'login_lockout';", u=user.id)
        self.assertGreaterEqual(int(n), 1, "no login_lockout audit event")

    def test_the_proxy_address_is_never_known_good(self):
        # A login that reaches the service as the trusted proxy itself (no
        # client address forwarded) makes no address known good: after a
        # lockout, that address waits like any other.
        user = create_user("rlprx")
        self.assertTokenPair(login(user.email, user.password, base=RL,
                                   ip="127.0.0.1"))
        # Failures up to a delay of 4 s (1 s and 2 s waited out), so that
        # the next login surely falls within it.
        failures = 0
        while failures < LOCKOUT_THRESHOLD + 2:
            r = login(user.email, user.password + "x", base=RL, ip=new_ip())
            if r.status == 429:
                time.sleep(self.assertLimited(r))
                continue
            self.assertProblem(r, 401, "invalid_credentials")
            failures += 1
        r = login(user.email, user.password, base=RL, ip="127.0.0.1")
        self.assertLimited(r, secrets_=[user.password])

    def test_a_success_clears_the_failures(self):
        user = create_user("rlclr")
        for _ in range(LOCKOUT_THRESHOLD - 1):
            r = login(user.email, user.password + "x", base=RL, ip=new_ip())
            self.assertProblem(r, 401, "invalid_credentials")
        self.assertTokenPair(login(user.email, user.password, base=RL,
                                   ip=new_ip()))
        # Below the threshold again: a wrong password is a plain 401.
        for _ in range(LOCKOUT_THRESHOLD - 1):
            r = login(user.email, user.password + "x", base=RL2, ip=new_ip())
            self.assertProblem(r, 401, "invalid_credentials")

    def test_a_login_is_two_redis_calls(self):
        # login_ip, the lockout gate and login_account (unless the address
        # is known good) in one Redis call before the hash; the failure
        # count, or the success, in one after it.
        user = create_user("rl2rt")
        known = new_ip()
        # Redis caches each script once it has run (a first EVALSHA is
        # NOSCRIPT, then EVAL: two calls): each kind of login once first.
        warm = create_user("rl2rw")
        login(warm.email, warm.password, base=RL, ip=new_ip())
        login(warm.email, warm.password + "x", base=RL, ip=new_ip())
        for ip, password, status in ((known, user.password, 200),
                                     (known, user.password, 200),
                                     (new_ip(), user.password + "x", 401),
                                     (known, user.password + "x", 401)):
            before = redis_evals()
            r = login(user.email, password, base=RL, ip=ip)
            self.assertEqual(redis_evals() - before, 2, r.describe())
            self.assertEqual(r.status, status, r.describe())
            # The deferred login_ip's state, as before.
            self.assertPolicy(r, "login_ip", LOGIN_IP)
        # Malformed: no gate came; login_ip counted after the handler.
        before = redis_evals()
        r = post("/auth/login", {"email": user.email}, base=RL, ip=new_ip())
        self.assertEqual(redis_evals() - before, 1, r.describe())
        self.assertEqual(r.status, 422, r.describe())
        self.assertPolicy(r, "login_ip", LOGIN_IP)

    def test_unknown_emails_are_locked_out_too(self):
        email = new_email("rlghost")
        seen = []
        for _ in range(LOCKOUT_THRESHOLD + 3):
            r = login(email, "Wrong-pass-123", base=RL, ip=new_ip())
            seen.append(r.status)
            if r.status == 429:
                self.assertLimited(r)
            else:
                self.assertProblem(r, 401, "invalid_credentials")
        self.assertIn(429, seen, seen)
        self.assertLessEqual(seen.index(429), LOCKOUT_THRESHOLD, seen)


def status_checks(body):
    """The status and checks of a health answer (its mail figures vary)."""
    return {k: body.get(k) for k in ("status", "checks")}


@not_under_cgi("one process per request: the in-memory counts that "
               "stand in for Redis count that one request")
class RedisOutageTest(RateLimitCase):
    """Redis stopped: answers keep coming, limited per process; Redis
    back: shared counting resumes by itself. run.py runs this class just
    before the database outage."""

    def wait_health(self, base, want, timeout):
        deadline = time.monotonic() + timeout
        while True:
            h = self.req("GET", "/auth/health", base=base)
            if h.status == 200 and h.json.get("status") == want:
                return h
            if time.monotonic() > deadline:
                self.fail("health did not become %r within %ds: %s"
                          % (want, timeout, h.describe()))
            time.sleep(0.2)

    def burst(self, base, ip):
        """Wrong logins until the first 429: no 5xx, limited as before."""
        allowed, r = self.until_limited(lambda i: wrong_login(base, ip),
                                        LOGIN_IP)
        for a in allowed:
            self.assertProblem(a, 401, "invalid_credentials")
        self.assertLimited(r, "login_ip", LOGIN_IP)
        return allowed

    def test_redis_down_and_back(self):
        degraded = {"status": "degraded",
                    "checks": {"db": "ok", "redis": "degraded",
                               "mail": "ok"}}
        ok = {"status": "ok", "checks": {"db": "ok", "redis": "ok",
                                         "mail": "ok"}}
        try:
            stack_ctl("redis-stop")
            # Each endpoint process falls back on its own table: still
            # limited, one process per endpoint on RL, so exactly.
            self.burst(RL, new_ip())
            self.burst(RL2, new_ip())
            user = create_user("rlout")
            self.assertTokenPair(login(user.email, user.password, base=RL,
                                       ip=new_ip()))
            for base in (RL, RL2, MAIN):
                h = self.req("GET", "/auth/health", base=base)
                self.assertEqual(status_checks(self.assertJSON(h, 200)),
                                 degraded, h.describe())
        finally:
            stack_ctl("redis-start")

        for base in (RL, RL2, MAIN):
            self.assertEqual(
                status_checks(self.wait_health(base, "ok", 10).json), ok)
        # Each process retries Redis at most once a second.
        time.sleep(1.5)
        ip = new_ip()
        bases = (RL, RL2)
        deadline = time.monotonic() + 10
        while True:
            allowed, r = self.until_limited(
                lambda i: wrong_login(bases[i % 2], ip), LOGIN_IP,
                most=4 * LOGIN_IP[0], check=False)
            if len(allowed) == LOGIN_IP[0] or time.monotonic() > deadline:
                break
            ip = new_ip()
            time.sleep(1)
        self.assertEqual(len(allowed), LOGIN_IP[0],
                         "RL and RL2 do not share the count again: "
                         + r.describe())
        self.assertLimited(r, "login_ip", LOGIN_IP)
