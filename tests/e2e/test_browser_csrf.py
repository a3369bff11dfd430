"""CSRF and CORS: every cookie-authenticated state change (the pages' form
posts; the API's refresh and logout with the refresh cookie) needs the
site's Origin (or Sec-Fetch-Site: same-origin) and the token bound to the
session (before login: to the pre-session cookie); anything else is 403
csrf_failed and changes nothing. Bearer calls are not affected. CORS only
for the listed origins."""

import secrets

from helpers import (ACCESS_COOKIE, ALT, Browser, CSRF_COOKIE, E2ETestCase,
                     REFRESH_COOKIE, SEEN_PASSWORDS, create_user,
                     live_sessions, login, login_pair, new_email, outbox_link,
                     parse_forms, remember, request, signup, sql, sql_value,
                     strong_password)

EVIL = "https://evil.example"


def password_hash(uid):
    return sql_value("SELECT password_hash FROM users WHERE id = :'u';", u=uid)


def refresh_rotated(token):
    return sql_value("SELECT (rotated_at IS NOT NULL)::text FROM "
                     "refresh_tokens WHERE token_hash = sha256(:'t'::bytea);",
                     t=token)


class CsrfCase(E2ETestCase):

    def assertRefused(self, r, page=True):
        self.assertEqual(r.status, 403, r.describe())
        if page:
            self.assertEqual(r.media_type, "text/html", r.describe())
            self.assertIn("Forbidden", r.text)
        else:
            self.assertProblem(r, 403, "csrf_failed")
        self.assertNotIn(ACCESS_COOKIE + "=", " ".join(
            r.header_all("Set-Cookie")))

    def variants(self, b, form):
        """(name, kwargs for b.post, data): the ways a post can fail."""
        no_token = {k: v for k, v in form.items() if k != "csrf_token"}
        wrong = dict(form, csrf_token=secrets.token_urlsafe(32))
        same_site = {"Sec-Fetch-Site": "same-site"}
        return [
            ("no Origin, no Sec-Fetch-Site", {"origin": None}, form),
            ("Sec-Fetch-Site: cross-site", {
                "origin": None, "headers": {"Sec-Fetch-Site": "cross-site"}},
             form),
            ("Sec-Fetch-Site: same-site", {
                "origin": None, "headers": same_site}, form),
            ("wrong Origin", {"origin": EVIL}, form),
            ("Origin null", {"origin": "null"}, form),
            ("another port", {"origin": ALT}, form),
            ("no token", {}, no_token),
            ("wrong token", {}, wrong),
            ("no token, Sec-Fetch-Site", {
                "origin": None,
                "headers": {"Sec-Fetch-Site": "same-origin"}}, no_token),
        ]


class AccountCsrfTest(CsrfCase):

    def setUp(self):
        super().setUp()
        self.user = create_user("csrf")
        self.b = Browser()
        self.b.sign_in(self.user)
        self.other = Browser()
        self.other.sign_in(self.user)
        self.page = self.b.get("/account")
        self.assertEqual(self.page.status, 200, self.page.describe())

    def forms(self):
        """(path, data) of each state change of the account page."""
        f = self.b.form
        revoke = [x for x in parse_forms(self.page.text)
                  if x["attrs"].get("class") == "revoke-session"]
        new = strong_password()
        return [
            ("/logout", f(self.page, "logout")["inputs"]),
            ("/account/logout-all", f(self.page, "logout-all")["inputs"]),
            ("/account/sessions/revoke", revoke[0]["inputs"]),
            ("/account/password", dict(
                f(self.page, "change-password")["inputs"],
                current_password=self.user.password, new_password=new)),
        ]

    def test_every_failure_is_403_and_changes_nothing(self):
        pw = password_hash(self.user.id)
        for path, data in self.forms():
            for name, kw, form in self.variants(self.b, data):
                with self.subTest(path=path, case=name):
                    r = self.b.post(path, form, **kw)
                    self.assertRefused(r)
                    self.assertEqual(live_sessions(self.user.id), 2)
                    self.assertEqual(password_hash(self.user.id), pw)

    def test_token_of_another_session(self):
        theirs = self.other.form(self.other.get("/account"),
                                 "logout")["inputs"]["csrf_token"]
        mine = self.b.form(self.page, "logout")["inputs"]["csrf_token"]
        self.assertNotEqual(theirs, mine)
        for path, data in self.forms():
            with self.subTest(path=path):
                r = self.b.post(path, dict(data, csrf_token=theirs))
                self.assertRefused(r)
        self.assertEqual(live_sessions(self.user.id), 2)

    def test_same_origin_without_origin_header_passes(self):
        r = self.b.post("/logout", self.b.form(self.page, "logout")["inputs"],
                        origin=None,
                        headers={"Sec-Fetch-Site": "same-origin"})
        self.assertEqual(r.status, 303, r.describe())
        self.assertEqual(live_sessions(self.user.id), 1)


class PreSessionCsrfTest(CsrfCase):

    def test_login_without_the_pre_session_cookie(self):
        u = create_user("csrf-login")
        b = Browser()
        page = b.get("/login")
        data = dict(b.form(page, "login")["inputs"], email=u.email,
                    password=u.password)
        for name, kw, form in self.variants(b, data):
            with self.subTest(case=name):
                self.assertRefused(b.post("/login", form, **kw))
        # The page's token with no cookie, or with another cookie.
        fresh = Browser()
        self.assertRefused(fresh.post("/login", data))
        fresh.jar[CSRF_COOKIE] = secrets.token_urlsafe(32)
        self.assertRefused(fresh.post("/login", data))
        self.assertEqual(live_sessions(u.id), 0)
        self.assertEqual(b.post("/login", data).status, 303)

    def test_signup_and_forgot(self):
        email = new_email("csrf-signup")
        b = Browser()
        data = dict(b.form(b.get("/signup"), "signup")["inputs"],
                    email=email, password=strong_password())
        for name, kw, form in self.variants(b, data):
            with self.subTest(case=name):
                self.assertRefused(b.post("/signup", form, **kw))
        self.assertEqual(sql(
            "SELECT id FROM users WHERE lower(email) = lower(:'e');",
            e=email), [])
        # forgot_account allows 3 an hour per address: three variants,
        # each from its own address (forgot_ip).
        u = create_user("csrf-forgot")
        for name, kw, form in [v for v in self.variants(b, {})
                               if v[0] in ("wrong Origin", "no token",
                                           "wrong token")]:
            with self.subTest(case=name):
                f = Browser()
                data = dict(f.form(f.get("/forgot-password"),
                                   "forgot")["inputs"], email=u.email)
                if name != "wrong Origin":
                    data = dict(form, email=u.email,
                                **({} if name == "no token" else {
                                    "csrf_token": "x" * 43}))
                self.assertRefused(f.post("/forgot-password", data, **kw))
        self.assertEqual(sql_value(
            "SELECT count(*) FROM outbox WHERE lower(recipient) = "
            "lower(:'e') AND template = 'password_reset';", e=u.email), "0")

    def test_verify_and_reset_pages(self):
        email, pw = new_email("csrf-verify"), strong_password()
        remember(SEEN_PASSWORDS, pw)
        self.assertEqual(signup(email, pw).status, 202)
        _, tok = outbox_link(email)
        b = Browser()
        page = b.get("/verify-email?token=" + tok)
        data = b.form(page, "verify")["inputs"]
        self.assertRefused(b.post("/verify-email", data, origin=EVIL))
        self.assertRefused(Browser().post("/verify-email", data))
        self.assertEqual(login(email, pw).status, 403)
        r = b.post("/verify-email", data)
        self.assertEqual(r.status, 200, r.describe())
        self.assertIn('id="login-link" href="/login"', r.text)


class ApiCookieCsrfTest(CsrfCase):
    """The refresh cookie on the API: the cross-site form posts that
    used to log out (204) or rotate (200) now get 403."""

    def setUp(self):
        super().setUp()
        self.user = create_user("csrf-api")
        self.b = Browser()
        self.b.sign_in(self.user)
        self.token = self.b.form(self.b.get("/account"),
                                 "logout")["inputs"]["csrf_token"]

    def test_cross_site_refresh_and_logout_are_refused(self):
        tok = self.b.jar[REFRESH_COOKIE]
        for path in ("/auth/refresh", "/auth/logout"):
            for kw in ({"origin": EVIL}, {"origin": None},
                       {"origin": EVIL, "headers": {"X-CSRF-Token":
                                                    self.token}},
                       {}):
                with self.subTest(path=path, kw=kw):
                    r = self.b.post(path, {}, **kw)
                    self.assertRefused(r, page=False)
        self.assertEqual(refresh_rotated(tok), "false")
        self.assertEqual(live_sessions(self.user.id), 1)

    def test_same_origin_with_the_token(self):
        old = self.b.jar[REFRESH_COOKIE]
        r = self.b.post("/auth/refresh", {},
                        headers={"X-CSRF-Token": self.token})
        self.assertTokenPair(r, full=False)
        self.assertEqual(refresh_rotated(old), "true")
        # The rotated token is in the cookie too.
        self.assertEqual(self.b.jar[REFRESH_COOKIE],
                         r.json["refresh_token"])
        r = self.b.post("/auth/logout", {"csrf_token": self.token})
        self.assertEqual(r.status, 204, r.describe())
        self.assertEqual(r.header("Clear-Site-Data"), '"cookies"')
        self.assertEqual(live_sessions(self.user.id), 0)
        self.assertNotIn(REFRESH_COOKIE, self.b.jar)

    def test_bearer_and_body_tokens_are_not_subject(self):
        pair = login_pair(self.user)
        r = request("POST", "/auth/refresh",
                    json_body={"refresh_token": pair["refresh_token"]},
                    headers={"Origin": EVIL})
        self.assertTokenPair(r, full=False)
        r = request("POST", "/auth/logout-all", bearer=pair["access_token"],
                    headers={"Origin": EVIL})
        self.assertEqual(r.status, 204, r.describe())
        self.assertEqual(live_sessions(self.user.id), 0)

    def test_the_access_cookie_is_no_bearer(self):
        # The Bearer endpoints read Authorization only: a cookie alone
        # (sent cross-site or not) authenticates nothing there.
        change = {"current_password": self.user.password,
                  "new_password": strong_password()}
        for method, path, form in (("POST", "/auth/logout-all", {}),
                                   ("POST", "/auth/password/change", change),
                                   ("GET", "/auth/sessions", None)):
            r = self.b.send(method, path, form=form, origin=EVIL)
            self.assertProblem(r, 401, "unauthorized")
        self.assertEqual(live_sessions(self.user.id), 1)


class CorsTest(E2ETestCase):
    """ALT lists https://app.example and http://127.0.0.1:1."""

    def test_listed_origin(self):
        r = request("OPTIONS", "/auth/refresh", base=ALT, headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(r.status, 204, r.describe())
        self.assertEqual(r.header("Access-Control-Allow-Origin"),
                         "https://app.example")
        self.assertEqual(r.header("Access-Control-Allow-Credentials"),
                         "true")
        self.assertIn("POST", r.header("Access-Control-Allow-Methods"))
        u = create_user("cors")
        r = request("POST", "/auth/login", base=ALT, json_body={
            "email": u.email, "password": u.password},
            headers={"Origin": "http://127.0.0.1:1"})
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("Access-Control-Allow-Origin"),
                         "http://127.0.0.1:1")

    def test_unlisted_origin_is_never_reflected(self):
        for base in (ALT, None):
            kw = {"base": base} if base else {}
            for origin in (EVIL, "https://app.example.evil.example",
                           "https://app.exampl", "null"):
                r = request("OPTIONS", "/auth/refresh", headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST"}, **kw)
                self.assertNotEqual(r.status, 204, r.describe())
                self.assertIsNone(r.header("Access-Control-Allow-Origin"))
                self.assertIsNone(
                    r.header("Access-Control-Allow-Credentials"))
                r = request("POST", "/auth/refresh", json_body={
                    "refresh_token": "x"}, headers={"Origin": origin}, **kw)
                self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        # MAIN lists nothing (the default): not even app.example.
        r = request("OPTIONS", "/auth/refresh", headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST"})
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
