"""POST /auth/login: the token pair, the access token's header and claims,
indistinguishable failures, verification and disabled accounts."""

import secrets
import statistics
import time

from helpers import (E2ETestCase, MAIN_ACCESS_TTL, TOKEN_RE, UUID_RE,
                     create_user, es256_verify, jwt_parts, login, new_email,
                     new_ip, not_under_cgi, public_key_path, sql, sql_value,
                     strong_password)

CLAIMS = {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "email",
          "email_verified", "roles", "sid"}


class LoginTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("login")

    def test_token_pair(self):
        r = login(self.user.email, self.user.password, ip=self.ip)
        self.assertTokenPair(r)
        self.assertNotIn(self.user.password, r.text)

    def test_access_token_header_and_claims(self):
        before = int(time.time())
        p1 = self.assertTokenPair(login(self.user.email, self.user.password,
                                        ip=self.ip))
        p2 = self.assertTokenPair(login(self.user.email, self.user.password,
                                        ip=self.ip))
        after = int(time.time())
        h, c, _, sig = jwt_parts(p1["access_token"])
        self.assertEqual(h.get("alg"), "ES256", h)
        self.assertEqual(h.get("typ"), "at+jwt", h)
        self.assertRegex(h.get("kid", ""), TOKEN_RE)
        self.assertEqual(len(sig), 64)
        self.assertTrue(es256_verify(p1["access_token"],
                                     public_key_path(h["kid"])),
                        "signature does not verify with %s.pub" % h["kid"])

        self.assertTrue(CLAIMS <= set(c), sorted(CLAIMS - set(c)))
        self.assertIsInstance(c["iss"], str)
        self.assertTrue(c["iss"])
        self.assertTrue(c["aud"] and isinstance(c["aud"], (str, list)))
        self.assertEqual(c["sub"], self.user.id)
        self.assertEqual(c["email"], self.user.email)
        self.assertIs(c["email_verified"], True)
        self.assertIsInstance(c["roles"], list)
        self.assertTrue(all(isinstance(x, str) for x in c["roles"]))
        for k in ("iat", "nbf", "exp"):
            self.assertIsInstance(c[k], int, k)
        self.assertTrue(before - 60 <= c["iat"] <= after + 60, c)
        self.assertLessEqual(c["nbf"], c["iat"])
        self.assertEqual(c["exp"] - c["iat"], MAIN_ACCESS_TTL)
        self.assertIsInstance(c["jti"], str)
        self.assertGreaterEqual(len(c["jti"]), 16)
        self.assertRegex(c["sid"], UUID_RE)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE id = :'s' AND user_id = :'u' "
            "AND revoked_at IS NULL;", s=c["sid"], u=self.user.id), "1")

        _, c2, _, _ = jwt_parts(p2["access_token"])
        self.assertNotEqual(c2["jti"], c["jti"])
        self.assertNotEqual(c2["sid"], c["sid"])
        self.assertNotEqual(p2["refresh_token"], p1["refresh_token"])

    def test_wrong_password_and_unknown_email_look_alike(self):
        wrong = login(self.user.email, self.user.password + "x", ip=self.ip)
        unknown = login(new_email("nobody"), self.user.password, ip=self.ip)
        self.assertProblem(wrong, 401, "invalid_credentials",
                           [self.user.password])
        self.assertProblem(unknown, 401, "invalid_credentials",
                           [self.user.password])
        self.assertEqual(wrong.body, unknown.body)
        ignore = {"date", "x-request-id"}
        self.assertEqual(
            sorted(k.lower() for k, _ in wrong.headers
                   if k.lower() not in ignore),
            sorted(k.lower() for k, _ in unknown.headers
                   if k.lower() not in ignore))
        self.assertEqual(wrong.header("Content-Type"),
                         unknown.header("Content-Type"))

    @not_under_cgi("timing: a process start per request and the runs "
                   "beside it weigh more than the two paths' difference")
    def test_wrong_password_and_unknown_email_take_about_as_long(self):
        def timed(email, pw):
            t = time.monotonic()
            r = login(email, pw, ip=new_ip())
            d = time.monotonic() - t
            self.assertProblem(r, 401, "invalid_credentials")
            return d

        bad = self.user.password + "!"
        for _ in range(2):      # warm up every process
            timed(self.user.email, bad)
            timed(new_email("warm"), bad)
        wrong, unknown = [], []
        for _ in range(10):
            wrong.append(timed(self.user.email, bad))
            unknown.append(timed(new_email("nobody"), bad))
        mw, mu = statistics.median(wrong), statistics.median(unknown)
        self.assertLessEqual(max(mw, mu), 3 * min(mw, mu),
                             "median wrong password %.4fs, unknown email "
                             "%.4fs" % (mw, mu))

    def test_unverified_account(self):
        u = create_user("unverified", verified=False)
        r = login(u.email, u.password, ip=self.ip)
        self.assertProblem(r, 403, "email_not_verified", [u.password])
        wrong = login(u.email, u.password + "x", ip=self.ip)
        unknown = login(new_email("nobody"), u.password + "x", ip=self.ip)
        self.assertProblem(wrong, 401, "invalid_credentials")
        self.assertEqual(wrong.body, unknown.body)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE user_id = :'u';", u=u.id),
            "0")

    def test_disabled_account(self):
        u = create_user("disabled")
        sql("UPDATE users SET disabled_at = now() WHERE id = :'u';", u=u.id)
        r = login(u.email, u.password, ip=self.ip)
        self.assertProblem(r, 403, "account_disabled", [u.password])
        wrong = login(u.email, u.password + "x", ip=self.ip)
        unknown = login(new_email("nobody"), u.password + "x", ip=self.ip)
        self.assertProblem(wrong, 401, "invalid_credentials")
        self.assertEqual(wrong.body, unknown.body)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE user_id = :'u';", u=u.id),
            "0")

    def test_email_in_other_case_with_surrounding_spaces(self):
        for e in ("  " + self.user.email.upper() + "  ",
                  "\t" + self.user.email.swapcase()):
            with self.subTest(email=e):
                r = login(e, self.user.password, ip=self.ip)
                b = self.assertTokenPair(r)
                self.assertEqual(jwt_parts(b["access_token"])[1]["sub"],
                                 self.user.id)

    def test_form_encoded_login(self):
        r = self.req("POST", "/auth/login",
                     form={"email": self.user.email,
                           "password": self.user.password})
        self.assertTokenPair(r)

    def test_password_is_neither_trimmed_nor_truncated(self):
        pw = "  " + (strong_password() + secrets.token_urlsafe(900))[:1020] \
            + "  "
        self.assertEqual(len(pw.encode()), 1024)
        u = create_user("longpw", password=pw)
        self.assertTokenPair(login(u.email, pw, ip=self.ip))
        for name, guess in (("trimmed", pw.strip()),
                            ("first 72 bytes", pw[:72]),
                            ("one byte short", pw[:-1]),
                            ("first 1000 bytes", pw[:1000])):
            with self.subTest(name):
                self.assertProblem(login(u.email, guess, ip=self.ip), 401,
                                   "invalid_credentials", [guess[:64]])

    def test_unicode_password(self):
        pw = "Grüße ☃ 𝄞 Ωμέγα-" + secrets.token_hex(4)
        u = create_user("unicode", password=pw)
        self.assertTokenPair(login(u.email, pw, ip=self.ip))
        self.assertProblem(login(u.email, pw.replace("ü", "u"), ip=self.ip),
                           401, "invalid_credentials")

    def test_missing_fields_are_422(self):
        r = self.post("/auth/login", {})
        self.assertValidation(r, ["email", "password"])
        r = self.post("/auth/login", {"email": self.user.email})
        b = self.assertValidation(r, ["password"])
        self.assertNotIn("email", b["errors"])
