"""GET /auth/me: the Bearer check, with the usual forgeries (alg none,
HS256 keyed with the public key, tampered parts)."""

import datetime
import re

from helpers import (ALT, ALT_ACCESS_TTL, E2ETestCase, MAIN, RFC3339_RE,
                     b64url, create_user, jwt_encode, jwt_hs256, jwt_parts,
                     login_pair, public_key_path)

INVALID_TOKEN_RE = re.compile(r'^Bearer\b.*\berror="invalid_token"')


class MeTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("me")
        cls.pair = login_pair(cls.user)
        cls.token = cls.pair["access_token"]
        cls.header, cls.claims, _, cls.sig = jwt_parts(cls.token)

    def me(self, auth=None, base=None, **kw):
        headers = {"Authorization": auth} if auth is not None else {}
        return self.req("GET", "/auth/me", headers=headers,
                        base=base or MAIN, **kw)

    def assertRejected(self, r, presented=True):
        self.assertProblem(r, 401, "unauthorized")
        www = r.header("WWW-Authenticate")
        self.assertIsNotNone(www, r.describe())
        self.assertTrue(www.startswith("Bearer"), r.describe())
        if presented:
            self.assertRegex(www, INVALID_TOKEN_RE)
        else:
            self.assertNotIn("error=", www)

    def test_me(self):
        r = self.me("Bearer " + self.token)
        b = self.assertJSON(r, 200)
        self.assertEqual(set(b), {"id", "email", "email_verified",
                                  "created_at", "roles"}, r.describe())
        self.assertEqual(b["id"], self.user.id)
        self.assertEqual(b["email"], self.user.email)
        self.assertIs(b["email_verified"], True)
        self.assertIsInstance(b["roles"], list)
        self.assertEqual(b["roles"], self.claims["roles"])
        self.assertRegex(b["created_at"], RFC3339_RE)
        created = datetime.datetime.fromisoformat(
            b["created_at"].replace("Z", "+00:00"))
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - created).total_seconds()), 600)

    def test_no_token(self):
        self.assertRejected(self.me(), presented=False)

    def test_other_scheme(self):
        self.assertRejected(self.me("Basic dXNlcjpwYXNzd29yZA=="),
                            presented=False)

    def forgeries(self):
        h, c = dict(self.header), dict(self.claims)
        hp = self.token.rsplit(".", 1)[0]
        sig = self.token.rsplit(".", 1)[1]
        flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
        admin = dict(c, roles=["admin"], sub="00000000-0000-4000-8000-"
                     "000000000000")
        pem = open(public_key_path(h["kid"]), "rb").read()
        none_h = dict(h, alg="none")
        yield "garbage", "garbage"
        yield "three dots", "a.b.c"
        yield "two parts", hp
        yield "empty signature", hp + "."
        yield "tampered signature", hp + "." + flipped
        yield "truncated signature", hp + "." + sig[:-4]
        yield "signature of another token", jwt_encode(h, admin) + sig
        yield "tampered claims", \
            jwt_encode(h, dict(c, exp=c["exp"] + 86400))[:-1] + "." + sig
        yield "alg none", jwt_encode(none_h, c)
        yield "alg none, no dot", jwt_encode(none_h, c)[:-1]
        yield "alg None", jwt_encode(dict(h, alg="None"), c)
        yield "alg none, admin", jwt_encode(none_h, admin)
        yield "HS256 keyed with the public PEM", \
            jwt_hs256(dict(h, alg="HS256"), c, pem)
        yield "HS256 keyed with the public PEM, stripped", \
            jwt_hs256(dict(h, alg="HS256"), c, pem.strip())
        yield "HS256 admin keyed with the public PEM", \
            jwt_hs256(dict(h, alg="HS256"), admin, pem)
        yield "HS256 keyed with the kid", \
            jwt_hs256(dict(h, alg="HS256"), c, h["kid"].encode())
        yield "unknown kid", \
            jwt_encode(dict(h, kid=b64url(b"x" * 32)), c)[:-1] + "." + sig
        yield "refresh token", self.pair["refresh_token"]

    def test_forged_and_broken_tokens(self):
        for name, tok in self.forgeries():
            with self.subTest(name):
                self.assertRejected(self.me("Bearer " + tok))
        # The genuine token still works afterwards.
        self.assertJSON(self.me("Bearer " + self.token), 200)

    def test_alt_token_works_on_alt(self):
        pair = login_pair(self.user, base=ALT)
        self.assertEqual(pair["expires_in"], ALT_ACCESS_TTL)
        _, c, _, _ = jwt_parts(pair["access_token"])
        self.assertEqual(c["exp"] - c["iat"], ALT_ACCESS_TTL)
        r = self.me("Bearer " + pair["access_token"], base=ALT)
        self.assertEqual(self.assertJSON(r, 200)["id"], self.user.id)
