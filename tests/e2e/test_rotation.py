"""Key rotation without a restart: a new key is published, then signs; a
token of an older key keeps working until that key is retired, then gets
401; RS256 keys are published beside ES256 ones; a private key others can
read is refused. The endpoints notice changed key files by themselves."""

import os
import subprocess

from helpers import (E2ETestCase, b64url_decode, config_value, create_user,
                     login_pair, request)
from keytools import authctl, jwk_for, jwks, token_kid, wait_for

STATIC = "/samples/private/index.txt"


class RotationTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("rot")
        cls.keys_dir = config_value("keys_dir")

    def login_token(self):
        return login_pair(self.user)["access_token"]

    def me_status(self, token):
        return request("GET", "/auth/me", bearer=token).status

    def authorizer_status(self, token):
        return request("GET", STATIC, bearer=token, check=False).status

    def generate(self, alg="ES256"):
        kid = authctl("keys", "generate", "--alg", alg).stdout.strip()
        self.assertRegex(kid, r"^[A-Za-z0-9_-]{43}$")
        return kid

    def activate_and_wait(self, kid):
        authctl("keys", "activate", kid)
        return wait_for("tokens signed by " + kid,
                        lambda: (lambda t: t if token_kid(t) == kid
                                 else None)(self.login_token()))

    def test_rotation_keeps_tokens_until_their_key_is_retired(self):
        t_a = self.login_token()
        kid_a = token_kid(t_a)

        # B is published before it signs
        kid_b = self.generate()
        wait_for("B in the JWKS", lambda: jwk_for(kid_b))
        self.assertEqual(token_kid(self.login_token()), kid_a)

        t_b = self.activate_and_wait(kid_b)
        self.assertEqual(self.me_status(t_a), 200)
        self.assertEqual(self.me_status(t_b), 200)
        self.assertEqual(self.authorizer_status(t_b), 200)

        # C takes over; B's token still works
        kid_c = self.generate()
        t_c = self.activate_and_wait(kid_c)
        self.assertEqual(self.me_status(t_b), 200)
        self.assertEqual(self.authorizer_status(t_b), 200)

        # the active key cannot be retired
        p = authctl("keys", "retire", kid_c, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("active", p.stderr)

        # retiring B ends its tokens, everywhere, and only its tokens
        authctl("keys", "retire", kid_b)
        wait_for("B's token refused",
                 lambda: self.me_status(t_b) == 401 and
                 self.authorizer_status(t_b) == 401)
        wait_for("B gone from the JWKS", lambda: jwk_for(kid_b) is None)
        self.assertEqual(self.me_status(t_a), 200)
        self.assertEqual(self.me_status(t_c), 200)
        self.assertEqual(self.authorizer_status(t_c), 200)
        listing = authctl("keys", "list").stdout
        self.assertRegex(listing, r"%s\tES256\t256\tretired" % kid_b)
        self.assertRegex(listing, r"%s\tES256\t256\tactive" % kid_c)
        self.assertRegex(listing, r"%s\tES256\t256\tverifies" % kid_a)

        # a retired key cannot come back
        p = authctl("keys", "activate", kid_b, check=False)
        self.assertNotEqual(p.returncode, 0)

    def test_rs256_key_is_published(self):
        kid = self.generate("RS256")
        try:
            jwk = wait_for("the RS256 key in the JWKS", lambda: jwk_for(kid))
            self.assertEqual((jwk["kty"], jwk["alg"], jwk["e"]),
                             ("RSA", "RS256", "AQAB"))
            # n is the modulus of the .pub file, per openssl
            out = subprocess.run(
                ["openssl", "rsa", "-pubin", "-noout", "-modulus", "-in",
                 os.path.join(self.keys_dir, kid + ".pub")],
                capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            modulus = out.stdout.strip().split("=", 1)[1].lower()
            self.assertEqual(b64url_decode(jwk["n"]).hex(), modulus)
            self.assertEqual(len(b64url_decode(jwk["n"])), 256)
            # the stack signs ES256: an RS256 key cannot be activated
            p = authctl("keys", "activate", kid, check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("jwt_alg", p.stderr)
        finally:
            authctl("keys", "retire", kid)
        wait_for("the RS256 key gone", lambda: jwk_for(kid) is None)

    def test_loose_private_key_is_refused(self):
        kid = self.generate()
        path = os.path.join(self.keys_dir, kid + ".key")
        try:
            os.chmod(path, 0o640)
            p = authctl("keys", "activate", kid, check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("group or others", p.stderr)
            p = authctl("keys", "list", check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(kid, p.stderr)
            self.assertIn("chmod 600", p.stderr)
        finally:
            authctl("keys", "retire", kid)

    def test_token_verify_prints_the_claims(self):
        t = self.login_token()
        p = authctl("token", "verify", t)
        self.assertIn('"sub": "%s"' % self.user.id, p.stdout)
        self.assertIn('"kid": "%s"' % token_kid(t), p.stdout)
        self.assertIn("verified", p.stdout)
        p = authctl("token", "verify", t[:-2] + "AA", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn('"sub"', p.stdout)

    def test_jwks_lists_every_key_that_verifies(self):
        listing = authctl("keys", "list").stdout.splitlines()[1:]
        live = {ln.split("\t")[0] for ln in listing
                if ln.split("\t")[3] != "retired"}
        self.assertTrue(live)
        wait_for("the JWKS to list %s" % sorted(live),
                 lambda: {k["kid"] for k in jwks()[1]["keys"]} == live)
