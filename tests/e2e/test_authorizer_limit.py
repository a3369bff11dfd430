"""Rate limits of a protected location: the sample location /samples/limited/
of lighttpd.conf and apache.conf sets AUTH_RATE_LIMIT = "user=4/60,
ip=6/60". The user rule counts by the token's sub, the ip rule every request
by client address (X-Forwarded-For from 127.0.0.1, a trusted proxy), both
in one Redis call before the signature is checked. A location without the
setting makes no Redis call. RedisOutageTest stops Redis; run.py runs it
after the rate-limit module's own outage."""

import time

from helpers import (RL, E2ETestCase, b64url, create_user, jwt_parts,
                     login_pair, new_ip, redis_evals, request, stack_ctl)

LIMITED = "/samples/limited/index.txt"
PLAIN = "/samples/private/index.txt"
LIMITED_TEXT = b"authd sample: a static file behind the authorizer, rate limited.\n"
USER_LIMIT = (4, 60)
IP_LIMIT = (6, 60)
NAVIGATE = {"Accept": "text/html,application/xhtml+xml;q=0.9",
            "Sec-Fetch-Mode": "navigate"}


def get(path, ip, token=None, headers=None, base=None):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    kw = {"base": base} if base else {}
    return request("GET", path, headers=h, ip=ip, check=False, **kw)


def forged(token):
    """token with its signature replaced: the same claims, not ours."""
    h, c, _ = token.split(".")
    return "%s.%s.%s" % (h, c, b64url(b"\x01" * 64))


class LimitCase(E2ETestCase):

    def assertServed(self, r):
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.body, LIMITED_TEXT, r.describe())

    def assertIpHeaders(self, r, remaining=None):
        self.assertEqual(r.header("RateLimit-Policy"),
                         '"ip";q=%d;w=%d' % IP_LIMIT, r.describe())
        state = r.header("RateLimit") or ""
        self.assertRegex(state, r'^"ip";r=\d+;t=\d+$', r.describe())
        if remaining is not None:
            self.assertTrue(state.startswith('"ip";r=%d;' % remaining),
                            r.describe())

    def assertRefused(self, r, by_ip):
        """A 429 problem with Retry-After; the ip rule's headers only when
        the ip rule refused."""
        self.assertEqual(r.status, 429, r.describe())
        self.assertIn(b'"code":"rate_limited"', r.body, r.describe())
        self.assertGreaterEqual(int(r.header("Retry-After") or "0"), 1,
                                r.describe())
        self.assertNotIn(LIMITED_TEXT, r.body)
        if by_ip:
            self.assertIpHeaders(r, 0)
        else:
            self.assertIsNone(r.header("RateLimit-Policy"), r.describe())


def fresh_token(tag):
    """The access token of a new user: no count carries over."""
    return login_pair(create_user(tag))["access_token"]


class AuthorizerLimitTest(LimitCase):

    def test_user_limit_across_two_addresses(self):
        tok = fresh_token("lima")
        ips = (new_ip(), new_ip())
        for i in range(USER_LIMIT[0]):
            self.assertServed(get(LIMITED, ips[i % 2], tok))
        self.assertRefused(get(LIMITED, ips[0], tok), by_ip=False)
        self.assertRefused(get(LIMITED, new_ip(), tok), by_ip=False)
        # Neither address is at its limit: another user gets in.
        self.assertServed(get(LIMITED, ips[0], fresh_token("limb")))
        # The location without a limit still serves this user.
        self.assertEqual(get(PLAIN, ips[1], tok).status, 200)

    def test_ip_limit_across_two_users(self):
        ip = new_ip()
        users = (fresh_token("limc"), fresh_token("limd"))
        for i in range(IP_LIMIT[0]):
            r = get(LIMITED, ip, users[i % 2])
            self.assertServed(r)
        self.assertRefused(get(LIMITED, ip, users[0]), by_ip=True)
        self.assertRefused(get(LIMITED, ip), by_ip=True)
        # Neither user is at its limit: from another address both get in.
        other = new_ip()
        for tok in users:
            self.assertServed(get(LIMITED, other, tok))

    def test_anonymous_counted_by_address(self):
        """Garbage tokens and none: counted before any signature work."""
        ip = new_ip()
        for i in range(IP_LIMIT[0]):
            r = get(LIMITED, ip, "garbage.token.%d" % i if i % 2 else None)
            self.assertEqual(r.status, 401, r.describe())
            self.assertIpHeaders(r, IP_LIMIT[0] - 1 - i)
        self.assertRefused(get(LIMITED, ip, "garbage"), by_ip=True)
        self.assertRefused(get(LIMITED, ip), by_ip=True)
        # Even a valid token: the address is over its limit.
        self.assertRefused(get(LIMITED, ip, fresh_token("lime")),
                           by_ip=True)

    def test_forged_token_spends_nothing_of_its_sub(self):
        user = create_user("limf")
        tok = login_pair(user)["access_token"]
        self.assertEqual(jwt_parts(tok)[1]["sub"], user.id)
        for _ in range(USER_LIMIT[0] + 2):
            r = get(LIMITED, new_ip(), forged(tok))
            self.assertEqual(r.status, 401, r.describe())
        for _ in range(USER_LIMIT[0]):
            self.assertServed(get(LIMITED, new_ip(), tok))
        self.assertRefused(get(LIMITED, new_ip(), tok), by_ip=False)
        # Over its limit, a forged token is still just not valid.
        r = get(LIMITED, new_ip(), forged(tok))
        self.assertEqual(r.status, 401, r.describe())

    def test_navigation_gets_a_page(self):
        ip = new_ip()
        for _ in range(IP_LIMIT[0]):
            self.assertEqual(get(LIMITED, ip).status, 401)
        r = get(LIMITED, ip, headers=NAVIGATE)
        self.assertEqual(r.status, 429, r.describe())
        self.assertTrue((r.header("Content-Type") or "").startswith(
            "text/html"), r.describe())
        self.assertIn(b"<html", r.body.lower(), r.describe())
        self.assertGreaterEqual(int(r.header("Retry-After") or "0"), 1)
        self.assertIpHeaders(r, 0)
        # An API call from there still gets the problem document.
        self.assertRefused(get(LIMITED, ip), by_ip=True)

    def test_one_redis_call_per_request(self):
        tok = fresh_token("limr")
        get(LIMITED, new_ip())      # the script is loaded
        before = redis_evals()
        self.assertServed(get(LIMITED, new_ip(), tok))
        self.assertEqual(get(LIMITED, new_ip()).status, 401)
        self.assertEqual(get(LIMITED, new_ip(), "garbage").status, 401)
        self.assertEqual(redis_evals() - before, 3)

    def test_location_without_limit_makes_no_redis_call(self):
        ip = new_ip()
        tok = fresh_token("limn")
        before = redis_evals()
        for i in range(2 * IP_LIMIT[0] + 2):
            r = get(PLAIN, ip, tok if i % 2 else None)
            self.assertEqual(r.status, 200 if i % 2 else 401, r.describe())
            self.assertIsNone(r.header("RateLimit-Policy"), r.describe())
        self.assertEqual(redis_evals(), before)


class RedisOutageTest(LimitCase):
    """Redis stopped: the authorizer of RL (one process) keeps the limits
    in process, exactly."""

    def test_fallback_limits(self):
        tok = fresh_token("limo")
        try:
            stack_ctl("redis-stop")
            ip = new_ip()
            for _ in range(IP_LIMIT[0]):
                r = get(LIMITED, ip, base=RL)
                self.assertEqual(r.status, 401, r.describe())
            self.assertRefused(get(LIMITED, ip, base=RL), by_ip=True)
            for _ in range(USER_LIMIT[0]):
                self.assertServed(get(LIMITED, new_ip(), tok, base=RL))
            self.assertRefused(get(LIMITED, new_ip(), tok, base=RL),
                               by_ip=False)
        finally:
            stack_ctl("redis-start")
        # Redis back: counted there again, where this user has spent
        # nothing (the process retries Redis at most once a second).
        deadline = time.monotonic() + 10
        while True:
            time.sleep(1.1)
            r = get(LIMITED, new_ip(), tok, base=RL)
            if r.status == 200 or time.monotonic() > deadline:
                break
        self.assertServed(r)
