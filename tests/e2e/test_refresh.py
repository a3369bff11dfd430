"""POST /auth/refresh: rotation, the reuse leeway (10 s on main, off on alt),
reuse detection revoking the family, expiry, concurrency."""

import concurrent.futures
import re
import secrets

from helpers import (ALT, ALT_ACCESS_TTL, E2ETestCase, MAIN, create_user,
                     jwt_parts, login_pair, new_ip, refresh, sql, sql_value,
                     token_hash_literal)


def sid_of(pair):
    return jwt_parts(pair["access_token"])[1]["sid"]


def reuse_events(uid):
    return int(sql_value("SELECT count(*) FROM audit_events WHERE user_id = "
                         ":'u' AND event = 'refresh_token_reuse';", u=uid))


def concurrent_refresh(token, base, n):
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as ex:
        futs = [ex.submit(refresh, token, base, new_ip()) for _ in range(n)]
        return [f.result() for f in futs]


class RefreshTest(E2ETestCase):

    def setUp(self):
        super().setUp()
        self.user = create_user("refresh")
        self.pair = login_pair(self.user, ip=self.ip)
        self.r1 = self.pair["refresh_token"]

    def refresh(self, token, base=MAIN):
        return refresh(token, base=base, ip=self.ip)

    def assertRefreshRejected(self, r, token=None):
        self.assertProblem(r, 401, "invalid_refresh_token",
                           [token] if token else [])

    def test_rotation(self):
        r = self.refresh(self.r1)
        p2 = self.assertTokenPair(r, full=False)
        self.assertNotEqual(p2["refresh_token"], self.r1)
        self.assertNotIn(self.r1, r.text)
        self.assertEqual(sid_of(p2), sid_of(self.pair))
        self.assertEqual(jwt_parts(p2["access_token"])[1]["sub"],
                         self.user.id)
        me = self.req("GET", "/auth/me", bearer=p2["access_token"])
        self.assertEqual(self.assertJSON(me, 200)["id"], self.user.id)
        self.assertEqual(sql_value(
            "SELECT (rotated_at IS NOT NULL)::text FROM refresh_tokens "
            "WHERE token_hash = :'h'::bytea;", h=token_hash_literal(self.r1)),
            "true")
        p3 = self.assertTokenPair(self.refresh(p2["refresh_token"]),
                                  full=False)
        self.assertEqual(sid_of(p3), sid_of(self.pair))

    def live_tokens(self, pair):
        """The family's refresh tokens that are neither rotated nor
        expired."""
        return int(sql_value(
            "SELECT count(*) FROM refresh_tokens WHERE session_id = :'s' "
            "AND rotated_at IS NULL AND expires_at > now();",
            s=sid_of(pair)))

    def test_retry_within_leeway_gets_the_same_successor(self):
        p2 = self.assertTokenPair(self.refresh(self.r1), full=False)
        retry = self.refresh(self.r1)
        p3 = self.assertTokenPair(retry, full=False)
        # A fresh access token, the successor the first rotation issued.
        self.assertEqual(p3["refresh_token"], p2["refresh_token"])
        self.assertEqual(sid_of(p3), sid_of(self.pair))
        self.assertEqual(self.live_tokens(self.pair), 1)
        # Nothing was revoked: the successor rotates.
        p4 = self.assertTokenPair(self.refresh(p2["refresh_token"]),
                                  full=False)
        self.assertNotIn(p4["refresh_token"],
                         (self.r1, p2["refresh_token"]))
        self.assertEqual(self.live_tokens(self.pair), 1)
        self.assertEqual(reuse_events(self.user.id), 0)

    def test_reuse_after_leeway_revokes_the_family(self):
        p2 = self.assertTokenPair(self.refresh(self.r1), full=False)
        p3 = self.assertTokenPair(self.refresh(p2["refresh_token"]),
                                  full=False)
        sql("UPDATE refresh_tokens SET rotated_at = now() - "
            "interval '60 seconds' WHERE token_hash = :'h'::bytea;",
            h=token_hash_literal(self.r1))
        self.assertRefreshRejected(self.refresh(self.r1), self.r1)
        for name, tok in (("newest", p3["refresh_token"]),
                          ("middle", p2["refresh_token"])):
            with self.subTest(name):
                self.assertRefreshRejected(self.refresh(tok), tok)
        self.assertGreaterEqual(reuse_events(self.user.id), 1)
        self.assertEqual(sql_value(
            "SELECT (revoked_at IS NOT NULL)::text FROM sessions "
            "WHERE id = :'s';", s=sid_of(self.pair)), "true")

    def test_20_concurrent_on_alt_exactly_one_wins(self):
        pair = login_pair(self.user, base=ALT, ip=self.ip)
        self.assertEqual(pair["expires_in"], ALT_ACCESS_TTL)
        answers = concurrent_refresh(pair["refresh_token"], ALT, 20)
        ok = [r for r in answers if r.status == 200]
        self.assertEqual(len(ok), 1, [r.describe() for r in answers])
        for r in answers:
            if r.status != 200:
                self.assertRefreshRejected(r, pair["refresh_token"])
        # Leeway 0: the losers presented a rotated token, which is reuse.
        winner = ok[0].json["refresh_token"]
        self.assertRefreshRejected(self.refresh(winner, base=ALT), winner)
        self.assertGreaterEqual(reuse_events(self.user.id), 1)

    def test_20_concurrent_on_main_all_succeed(self):
        answers = concurrent_refresh(self.r1, MAIN, 20)
        for r in answers:
            self.assertTokenPair(r, full=False)
        # All 20 got the one successor: the family has one live token.
        new = {r.json["refresh_token"] for r in answers}
        self.assertEqual(len(new), 1, new)
        self.assertNotIn(self.r1, new)
        self.assertEqual({sid_of(r.json) for r in answers},
                         {sid_of(self.pair)})
        self.assertEqual(self.live_tokens(self.pair), 1)
        self.assertTokenPair(self.refresh(new.pop()), full=False)
        self.assertEqual(self.live_tokens(self.pair), 1)
        self.assertEqual(reuse_events(self.user.id), 0)

    def test_expired_token(self):
        sql("UPDATE refresh_tokens SET expires_at = now() - "
            "interval '1 second' WHERE token_hash = :'h'::bytea;",
            h=token_hash_literal(self.r1))
        self.assertRefreshRejected(self.refresh(self.r1), self.r1)

    def test_session_past_its_max_lifetime(self):
        sql("UPDATE sessions SET expires_at = now() - interval '1 second' "
            "WHERE id = :'s';", s=sid_of(self.pair))
        self.assertRefreshRejected(self.refresh(self.r1), self.r1)

    def test_disabled_user(self):
        sql("UPDATE users SET disabled_at = now() WHERE id = :'u';",
            u=self.user.id)
        self.assertRefreshRejected(self.refresh(self.r1), self.r1)

    def test_unknown_and_malformed_tokens(self):
        cases = {
            "unknown": secrets.token_urlsafe(32),
            "short": "abc",
            "44 characters": secrets.token_urlsafe(33)[:44],
            "outside the alphabet": self.r1[:42] + "!",
            "padded": self.r1 + "=",
            "200 characters": secrets.token_urlsafe(150),
        }
        expected = None
        for name, tok in cases.items():
            with self.subTest(name):
                r = self.refresh(tok)
                self.assertRefreshRejected(r, tok)
                expected = expected or r.body
                self.assertEqual(r.body, expected)
        # Far longer than any refresh token: a field over its bound may be
        # a validation failure instead.
        tok = self.pair["access_token"]
        r = self.refresh(tok)
        if r.status == 422:
            self.assertValidation(r, ["refresh_token"], [tok])
        else:
            self.assertRefreshRejected(r, tok)
        # None of that harmed the real token.
        self.assertTokenPair(self.refresh(self.r1), full=False)

    def test_missing_or_mistyped_field_is_422(self):
        self.assertValidation(self.post("/auth/refresh", {}),
                              ["refresh_token"])
        self.assertValidation(self.post("/auth/refresh",
                                        {"refresh_token": 42}),
                              ["refresh_token"])

    def test_refresh_token_cookie(self):
        # No body: the refresh cookie carries the token, under the CSRF
        # rule: the site's Origin and the session's token (the account
        # page's csrf_token).
        page = self.req("GET", "/account", headers={
            "Cookie": "authd-access=" + self.pair["access_token"]})
        self.assertEqual(page.status, 200, page.describe())
        csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                         page.text).group(1)
        same = {"Origin": MAIN, "X-CSRF-Token": csrf}
        r = self.req("POST", "/auth/refresh", headers=dict(
            same, Cookie="theme=dark; authd-refresh=" + self.r1))
        self.assertTokenPair(r, full=False)
        # The cookie of the old name is no cookie of ours.
        r = self.req("POST", "/auth/refresh",
                     headers={"Cookie": "refresh_token=" + self.r1})
        self.assertValidation(r, ["refresh_token"])
        # A cookie longer than a token of ours is an unknown token (401),
        # not a missing one (422).
        for junk in ("A" * 100, "A" * 512):
            r = self.req("POST", "/auth/refresh",
                         headers={"Cookie": "authd-refresh=" + junk})
            self.assertRefreshRejected(r)
        r = self.req("POST", "/auth/refresh",
                     headers={"Cookie": "authd-refresh=" + "A" * 513})
        self.assertValidation(r, ["refresh_token"])

    def test_form_encoded_refresh(self):
        r = self.req("POST", "/auth/refresh",
                     form={"refresh_token": self.r1})
        self.assertTokenPair(r, full=False)
