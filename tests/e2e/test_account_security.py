"""Account security against MAIN and RL: one key per address (look-alike
spellings are other addresses), the same work for unknown and existing
accounts at login and forgot-password, a per-recipient cap on mail, and a
password reset that ends a lockout.

RL runs the default lockout (from the 5th failure on) and the default
mail_recipient rule (3 mails per address per hour); MAIN lifts both.
"""

import math
import random
import time
import uuid

from helpers import (E2ETestCase, MAIN, RL, create_user, login, new_ip,
                     outbox_link, post, signup, sql_value, strong_password)

LOCKOUT_THRESHOLD = 5               # the built-in default, on RL
MAIL_RECIPIENT = 3                  # the built-in mail_recipient limit
FLOOR_S = 0.060                     # AUTH_FLOW_FLOOR_US

_rng = random.SystemRandom()


def kiwi_address():
    """A fresh address with a k and an i, and its two look-alikes:
    U+0130 for the i, U+212A (Kelvin) for the k."""
    tag = uuid.uuid4().hex[:10]
    return ("kim.%s@kiwi.io" % tag, "k\u0130m.%s@kiwi.io" % tag,
            "\u212aim.%s@kiwi.io" % tag)


def outbox_count(addr):
    return int(sql_value("SELECT count(*) FROM outbox WHERE "
                         "lower(recipient) = lower(:'e');", e=addr))


def mann_whitney(a, b):
    """Two-sided p of the Mann-Whitney U test (normal approximation with
    the tie correction) that a and b come from one distribution."""
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2.0 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(r for r, (_, g) in zip(ranks, pooled) if g == 0)
    u = r1 - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    var = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (u - n1 * n2 / 2.0) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


def median(v):
    s = sorted(v)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2.0


class LookalikeTest(E2ETestCase):

    def test_lookalikes_are_other_addresses(self):
        plain, dotted, kelvin = kiwi_address()
        user = create_user(email=plain)
        for alike in (dotted, kelvin):
            # The owner's password does not open the account through them.
            r = login(alike, user.password)
            self.assertProblem(r, 401, "invalid_credentials",
                               [user.password])
            # Nor can they be signed up as a new account.
            r = signup(alike, strong_password())
            self.assertValidation(r, ["email"])
        self.assertEqual(sql_value(
            "SELECT count(*) FROM users WHERE email_key LIKE :'p';",
            p="%" + plain.split("@")[0][4:] + "@kiwi.io"), "1")

    def test_lookalikes_get_no_fresh_counters(self):
        plain, dotted, kelvin = kiwi_address()
        user = create_user(email=plain)
        for _ in range(LOCKOUT_THRESHOLD):
            r = login(plain.upper(), user.password + "x", base=RL,
                      ip=new_ip())
            self.assertProblem(r, 401, "invalid_credentials")
        # Locked: the ASCII spellings are one account and wait ...
        for spelling in (plain, plain.upper(), " " + plain.title()):
            r = login(spelling, user.password, base=RL, ip=new_ip())
            self.assertProblem(r, 429, "rate_limited", [user.password])
        # ... and the look-alikes, counted apart, never log in.
        for alike in (dotted, kelvin):
            r = login(alike, user.password, base=RL, ip=new_ip())
            self.assertProblem(r, 401, "invalid_credentials",
                               [user.password])


class TimingTest(E2ETestCase):
    ROUNDS = 3
    PAIRS = 25          # per round: 50 logins (150 in all: ~25 s at load 7)
    ALPHA = 0.01

    def one(self, email, password):
        t0 = time.perf_counter()
        r = login(email, password)
        dt = time.perf_counter() - t0
        self.assertProblem(r, 401, "invalid_credentials")
        return dt

    def test_wrong_password_and_unknown_email_take_alike(self):
        """Wrong passwords on existing accounts and on unknown emails,
        interleaved in random order, on MAIN (no limit trips). Each round
        compares the two samples with a Mann-Whitney rank test. Asserted:
        the rounds do not all find a significant difference (p < ALPHA)
        in the same direction: no consistent ordering. (On a loaded
        machine the hash's noise can hide a small difference; the writes
        themselves are checked by the test below.)"""
        users = [create_user("tm", verified=False) for _ in range(4)]
        # Warm every process: the first request of one pays for its start.
        for u in users:
            self.one(u.email, "Wrong-pass-123")
        found = []
        t_start = time.perf_counter()
        for _ in range(self.ROUNDS):
            known, unknown = [], []
            for i in range(self.PAIRS):
                u = users[i % len(users)]
                ghost = "e2e.tm.%s@example.com" % uuid.uuid4().hex[:12]
                pair = [("k", u.email), ("u", ghost)]
                _rng.shuffle(pair)
                for kind, email in pair:
                    dt = self.one(email, "Wrong-pass-123")
                    (known if kind == "k" else unknown).append(dt)
            p = mann_whitney(known, unknown)
            d = median(known) - median(unknown)
            found.append((p, d, median(known), median(unknown)))
        elapsed = time.perf_counter() - t_start
        desc = ", ".join("p=%.2g known %.2f ms unknown %.2f ms"
                         % (p, mk * 1e3, mu * 1e3)
                         for p, _, mk, mu in found)
        print("\n  login, wrong password (%.1f s): %s" % (elapsed, desc))
        significant = [d > 0 for p, d, _, _ in found if p < self.ALPHA]
        self.assertFalse(len(significant) == self.ROUNDS and
                         len(set(significant)) == 1,
                         "every round orders the paths alike: " + desc)


    def test_unknown_email_is_audited_like_a_wrong_password(self):
        """The same writes on both paths: one login_failed row each."""
        user = create_user("ta", verified=False)
        for email in (user.email, "e2e.ta.%s@example.com"
                      % uuid.uuid4().hex[:12]):
            ip = new_ip()
            r = login(email, "Wrong-pass-123", ip=ip)
            self.assertProblem(r, 401, "invalid_credentials")
            n = sql_value("SELECT count(*) FROM audit_events WHERE ip = "
                          ":'ip'::inet AND event = 'login_failed';", ip=ip)
            self.assertEqual(n, "1", email)


class ForgotFloorTest(E2ETestCase):

    def test_forgot_takes_the_floor_for_everyone(self):
        user = create_user("fl")
        for email in (user.email, "e2e.fl.%s@example.com"
                      % uuid.uuid4().hex[:12]):
            t0 = time.perf_counter()
            r = post("/auth/password/forgot", {"email": email})
            dt = time.perf_counter() - t0
            self.assertJSON(r, 202)
            self.assertGreaterEqual(dt, FLOOR_S, email)
            print("\n  forgot: %.1f ms" % (dt * 1e3))


class MailCapTest(E2ETestCase):

    def test_signup_notices_are_capped_per_recipient(self):
        email = "e2e.cap.%s@example.com" % uuid.uuid4().hex[:12]
        pw = strong_password()
        r = signup(email, pw, base=RL, ip=new_ip())
        self.assertJSON(r, 202)
        bodies = set()
        for _ in range(12):
            r = signup(email, strong_password(), base=RL, ip=new_ip())
            self.assertJSON(r, 202)
            bodies.add(r.body)
        # One answer whether or not the notice was sent.
        self.assertEqual(len(bodies), 1, bodies)
        self.assertEqual(outbox_count(email), MAIL_RECIPIENT)
        n = sql_value("SELECT count(*) FROM outbox WHERE lower(recipient) "
                      "= lower(:'e') AND template = 'account_exists';",
                      e=email)
        self.assertEqual(int(n), MAIL_RECIPIENT - 1)


class ResetLockoutTest(E2ETestCase):

    def test_a_reset_ends_the_lockout(self):
        user = create_user("rs")
        r = post("/auth/password/forgot", {"email": user.email}, base=RL)
        self.assertJSON(r, 202)
        _, token = outbox_link(user.email, "password_reset")
        # An attacker's guesses lock the account, with a growing delay.
        for _ in range(LOCKOUT_THRESHOLD):
            r = login(user.email, "Wrong-pass-123", base=RL, ip=new_ip())
            self.assertProblem(r, 401, "invalid_credentials")
        wait = 1
        while wait < 4:
            time.sleep(wait + 0.1)
            r = login(user.email, "Wrong-pass-123", base=RL, ip=new_ip())
            self.assertProblem(r, 401, "invalid_credentials")
            wait *= 2
        r = login(user.email, user.password, base=RL, ip=new_ip())
        self.assertProblem(r, 429, "rate_limited", [user.password])
        # The owner resets; the new password works from a new address.
        new = strong_password()
        r = post("/auth/password/reset", {"token": token, "password": new},
                 base=RL)
        self.assertStatus(r, 204)
        self.assertTokenPair(login(user.email, new, base=RL, ip=new_ip()))
