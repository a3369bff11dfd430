"""Email verification: the API (POST and GET /auth/verify-email) and the
browser page /verify-email, whose GET never consumes the token."""

import re
import secrets
import urllib.parse

from helpers import (Browser, E2ETestCase, MAIN, TOKEN_RE, login, new_email,
                     outbox_link, parse_forms, post, request, signup, sql,
                     sql_value, strong_password, remember, SEEN_PASSWORDS)


class VerifyEmailTest(E2ETestCase):

    def setUp(self):
        super().setUp()
        self.email = new_email("verify")
        self.password = strong_password()
        r = signup(self.email, self.password)
        self.assertStatus(r, 202)
        remember(SEEN_PASSWORDS, self.password)
        self.link, self.token = outbox_link(self.email)

    def login_status(self):
        return login(self.email, self.password).status

    def assertUnverified(self):
        r = login(self.email, self.password)
        self.assertProblem(r, 403, "email_not_verified", [self.password])
        self.assertEqual(sql_value(
            "SELECT (email_verified_at IS NULL)::text FROM users "
            "WHERE lower(email) = lower(:'e');", e=self.email), "true")

    def assertVerified(self):
        self.assertEqual(self.login_status(), 200)

    def page(self, token):
        return self.req("GET", "/verify-email?token="
                        + urllib.parse.quote(token, safe=""))

    def test_link_points_at_the_page(self):
        u = urllib.parse.urlsplit(self.link)
        self.assertIn(u.scheme, ("http", "https"))
        self.assertEqual(u.path, "/verify-email")
        self.assertEqual(urllib.parse.parse_qs(u.query),
                         {"token": [self.token]})
        self.assertRegex(self.token, TOKEN_RE)

    def test_page_get_shows_a_form_and_does_not_consume(self):
        for _ in range(2):
            r = self.page(self.token)
            self.assertStatus(r, 200)
            self.assertEqual(r.media_type, "text/html", r.describe())
            self.assertNoStore(r)
            forms = [f for f in parse_forms(r.text)
                     if f["attrs"].get("method", "").lower() == "post"]
            self.assertEqual(len(forms), 1, r.describe())
            carried = list(forms[0]["inputs"].values()) + \
                urllib.parse.parse_qs(urllib.parse.urlsplit(
                    forms[0]["attrs"].get("action") or "").query).get(
                        "token", [])
            self.assertIn(self.token, carried, r.describe())
        self.assertUnverified()
        self.assertEqual(sql_value(
            "SELECT count(*) FROM email_tokens t JOIN users u "
            "ON u.id = t.user_id WHERE lower(u.email) = lower(:'e') "
            "AND t.used_at IS NULL;", e=self.email), "1")
        r = self.post("/auth/verify-email", {"token": self.token})
        self.assertEqual(self.assertJSON(r, 200), {"status": "verified"})

    def test_submitting_the_page_form_verifies(self):
        r = self.page(self.token)
        self.assertStatus(r, 200)
        self.csrf_cookie = r.header("Set-Cookie").split(";")[0]
        form = [f for f in parse_forms(r.text)
                if f["attrs"].get("method", "").lower() == "post"][0]
        action = urllib.parse.urljoin(MAIN + "/verify-email?token="
                                      + self.token,
                                      form["attrs"].get("action") or "")
        u = urllib.parse.urlsplit(action)
        path = u.path + ("?" + u.query if u.query else "")
        self.assertIn(u.path, ("/verify-email", "/auth/verify-email"))
        # The page's form, posted as a browser does: with the pre-session
        # cookie of the GET and the site's Origin (the CSRF rule).
        r = self.req("POST", path, form=form["inputs"],
                     headers={"Origin": MAIN, "Cookie": self.csrf_cookie})
        self.assertStatus(r, 200)
        self.assertEqual(r.media_type, "text/html", r.describe())
        self.assertVerified()

    def test_form_post_to_the_page_consumes_and_answers_html(self):
        b = Browser(ip=self.ip)
        data = b.form(b.get("/verify-email?token=" + self.token),
                      "verify")["inputs"]
        # Without the pre-session cookie: the CSRF rule refuses it.
        r = self.req("POST", "/verify-email", form={"token": self.token})
        self.assertStatus(r, 403)
        self.assertEqual(r.media_type, "text/html", r.describe())
        self.assertUnverified()
        r = b.post("/verify-email", data)
        self.assertStatus(r, 200)
        self.assertEqual(r.media_type, "text/html", r.describe())
        self.assertIn('id="login-link"', r.text)
        self.assertVerified()
        again = b.post("/verify-email", data)
        self.assertStatus(again, 400)
        self.assertEqual(again.media_type, "text/html", again.describe())
        self.assertNotEqual(again.body, r.body)

    def test_api_post_verifies_once(self):
        r = self.post("/auth/verify-email", {"token": self.token})
        self.assertEqual(self.assertJSON(r, 200), {"status": "verified"})
        self.assertVerified()
        self.assertEqual(sql_value(
            "SELECT (email_verified_at IS NOT NULL)::text FROM users "
            "WHERE lower(email) = lower(:'e');", e=self.email), "true")
        r = self.post("/auth/verify-email", {"token": self.token})
        self.assertProblem(r, 400, "invalid_token", [self.token])

    def test_api_get_consumes(self):
        r = self.req("GET", "/auth/verify-email?token=" + self.token)
        self.assertEqual(self.assertJSON(r, 200), {"status": "verified"})
        self.assertVerified()
        r = self.req("GET", "/auth/verify-email?token=" + self.token)
        self.assertProblem(r, 400, "invalid_token", [self.token])

    def test_unknown_token_is_400(self):
        unknown = secrets.token_urlsafe(32)
        r = self.post("/auth/verify-email", {"token": unknown})
        self.assertProblem(r, 400, "invalid_token", [unknown])
        r = self.req("GET", "/auth/verify-email?token=" + unknown)
        self.assertProblem(r, 400, "invalid_token", [unknown])
        self.assertUnverified()

    def test_expired_token_is_400(self):
        sql("UPDATE email_tokens SET expires_at = now() - interval '1 second' "
            "WHERE user_id = (SELECT id FROM users "
            "WHERE lower(email) = lower(:'e')) AND purpose = 'verify';",
            e=self.email)
        expired = self.post("/auth/verify-email", {"token": self.token})
        self.assertProblem(expired, 400, "invalid_token", [self.token])
        unknown = self.post("/auth/verify-email",
                            {"token": secrets.token_urlsafe(32)})
        # Unknown, expired and used tokens look alike.
        self.assertEqual(expired.body, unknown.body)
        self.assertUnverified()

    def test_missing_or_mistyped_token_is_422(self):
        r = self.post("/auth/verify-email", {})
        self.assertValidation(r, ["token"])
        r = self.post("/auth/verify-email", {"token": 12345})
        self.assertValidation(r, ["token"])
        self.assertUnverified()

    def test_page_does_not_reflect_markup(self):
        evil = '"><script>alert(1)</script>'
        r = self.page(evil)
        self.assertIn(r.status, (200, 400), r.describe())
        self.assertNotIn("<script>alert(1)</script>", r.text)
        self.assertNotIn('"><script', r.text)
        self.assertUnverified()

    def test_verify_token_is_for_its_own_account_only(self):
        other = new_email("verify2")
        opw = strong_password()
        self.assertStatus(signup(other, opw), 202)
        remember(SEEN_PASSWORDS, opw)
        r = self.post("/auth/verify-email", {"token": self.token})
        self.assertStatus(r, 200)
        self.assertProblem(login(other, opw), 403, "email_not_verified")
