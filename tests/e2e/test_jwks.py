"""GET /.well-known/jwks.json: the JWK Set, its caching, and a token we
issue verified by an independent implementation from the JWKS alone."""

import re

from helpers import E2ETestCase, b64url, create_user, login_pair
from keytools import (JWKS_PATH, jwk_for, jwks, node_verify,
                     openssl_verify_ec, token_kid)

B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


class JwksTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("jwks")
        cls.token = login_pair(cls.user)["access_token"]

    def test_jwk_set_members(self):
        r, body = jwks()
        self.assertEqual(r.media_type, "application/json", r.describe())
        self.assertEqual(set(body), {"keys"}, r.describe())
        self.assertGreaterEqual(len(body["keys"]), 1, r.describe())
        kids = set()
        for k in body["keys"]:
            self.assertFalse(PRIVATE_MEMBERS & set(k), k)
            self.assertEqual(k.get("use"), "sig", k)
            self.assertRegex(k.get("kid", ""), r"^[A-Za-z0-9_-]{43}$")
            kids.add(k["kid"])
            if k["kty"] == "EC":
                self.assertEqual(set(k), {"kty", "crv", "x", "y", "kid",
                                          "alg", "use"}, k)
                self.assertEqual((k["crv"], k["alg"]), ("P-256", "ES256"))
                self.assertRegex(k["x"], B64URL_RE)
                self.assertEqual(len(k["x"]), 43)
                self.assertEqual(len(k["y"]), 43)
            else:
                self.assertEqual(k["kty"], "RSA", k)
                self.assertEqual(set(k), {"kty", "n", "e", "kid", "alg",
                                          "use"}, k)
                self.assertEqual(k["alg"], "RS256")
                self.assertGreaterEqual(len(k["n"]), 342)
        self.assertEqual(len(kids), len(body["keys"]), "duplicate kids")
        self.assertIn(token_kid(self.token), kids)

    def test_cacheable_with_etag(self):
        r, _ = jwks()
        cc = [x.strip() for x in (r.header("Cache-Control") or "").split(",")]
        self.assertIn("max-age=300", cc, r.describe())
        self.assertIn("public", cc, r.describe())
        self.assertNotIn("no-store", cc, r.describe())
        etag = r.header("ETag")
        self.assertRegex(etag or "", r'^"[A-Za-z0-9_-]{43}"$', r.describe())
        # the ETag is a hash of the body: the same body, the same tag
        r2, _ = jwks()
        if r2.body == r.body:
            self.assertEqual(r2.header("ETag"), etag)

    def test_if_none_match(self):
        r, _ = jwks()
        etag = r.header("ETag")
        for inm in (etag, "W/" + etag, '"x", ' + etag, "*"):
            r2 = self.req("GET", JWKS_PATH, headers={"If-None-Match": inm})
            self.assertEqual(r2.status, 304, "%s: %s" % (inm, r2.describe()))
            self.assertEqual(r2.body, b"", r2.describe())
            self.assertEqual(r2.header("ETag"), etag, r2.describe())
        r3 = self.req("GET", JWKS_PATH,
                      headers={"If-None-Match": '"' + b64url(b"x" * 32) + '"'})
        self.assertEqual(r3.status, 200, r3.describe())
        self.assertEqual(r3.body, r.body)

    def test_other_methods(self):
        r = self.req("POST", JWKS_PATH, json_body={})
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertIn("GET", r.header("Allow") or "")

    def test_node_verifies_our_token_from_the_jwks(self):
        jwk = jwk_for(token_kid(self.token))
        self.assertIsNotNone(jwk, "the token's kid is not in the JWKS")
        ok = node_verify(jwk, self.token)
        if ok is None:
            self.skipTest("node is not installed (apt-get install nodejs)")
        self.assertTrue(ok, "Node's crypto rejects our token")
        # the check is real: a changed claim does not verify
        h, p, s = self.token.split(".")
        forged = h + "." + b64url(b'{"sub":"x"}') + "." + s
        self.assertFalse(node_verify(jwk, forged))

    def test_openssl_verifies_our_token_from_the_jwk_coordinates(self):
        jwk = jwk_for(token_kid(self.token))
        self.assertIsNotNone(jwk)
        if jwk["kty"] != "EC":
            self.skipTest("the active key is not ES256")
        self.assertTrue(openssl_verify_ec(jwk, self.token))
        h, p, s = self.token.split(".")
        forged = h + "." + b64url(b'{"sub":"x"}') + "." + s
        self.assertFalse(openssl_verify_ec(jwk, forged))
