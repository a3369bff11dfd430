"""The browser pages over HTTP: /signup, /login, /forgot-password,
/account, /logout and the renew step; their cookies (every attribute), the
`next` rules, the headers of every page, and the enumeration rules."""

import html
import re
import secrets
import urllib.parse

from helpers import (ACCESS_COOKIE, Browser, CSRF_COOKIE, E2ETestCase,
                     MAIN_ACCESS_TTL, REFRESH_COOKIE, REFRESH_TTL, RL,
                     SEEN_PASSWORDS, create_user, live_sessions, login,
                     new_email, outbox_state, parse_forms, parse_set_cookie,
                     refresh, remember, sql, sql_value, strong_password)

CSP = ("default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")
CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
BAD_NEXT = ["//evil.example", "/\\evil.example", "https://evil.example",
            "/%2F%2Fevil.example", "/%5Cevil.example", "javascript:alert(1)",
            "/a%0d%0aX-Evil:%201", "evil.example"]
# CR/LF decoded once already: sent in a form body (in a query string the
# web server refuses them itself).
CRLF_NEXT = "/a\r\nX-Evil: 1"


def cookies_of(r):
    """{name: (value, attrs)} of r's Set-Cookie headers."""
    out = {}
    for v in r.header_all("Set-Cookie"):
        name, val, attrs = parse_set_cookie(v)
        out[name] = (val, attrs, v)
    return out


class PageCase(E2ETestCase):

    def assertPage(self, r, status):
        """An HTML page with the headers of every page."""
        self.assertEqual(r.status, status, r.describe())
        self.assertEqual(r.media_type, "text/html", r.describe())
        self.assertEqual(r.header("Content-Security-Policy"), CSP,
                         r.describe())
        self.assertEqual(r.header("X-Frame-Options"), "DENY")
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
        self.assertNoStore(r)
        # http public_url: no HSTS (it is sent for https only).
        self.assertIsNone(r.header("Strict-Transport-Security"))
        self.assertNotIn("<script", r.text.lower())
        return r

    def assertRedirect(self, r, location):
        self.assertEqual(r.status, 303, r.describe())
        self.assertEqual(r.header("Location"), location, r.describe())


class PagesTest(PageCase):

    def test_every_page_has_the_headers_labels_and_stylesheet(self):
        b = Browser()
        tok = secrets.token_urlsafe(32)
        for path in ("/signup", "/signup/check-email", "/login",
                     "/forgot-password", "/forgot-password/sent",
                     "/verify-email?token=" + tok,
                     "/reset-password?token=" + tok):
            r = self.assertPage(b.get(path), 200)
            self.assertIn('href="/auth/static/style.css"', r.text, path)
            # Every visible input has a label naming its id.
            for m in re.finditer(r"<input ([^>]*)>", r.text):
                attrs = m.group(1)
                if 'type="hidden"' in attrs:
                    continue
                ident = re.search(r'id="([^"]+)"', attrs)
                self.assertIsNotNone(ident, path + ": " + attrs)
                self.assertIn('<label for="%s"' % ident.group(1), r.text,
                              path)
            for f in parse_forms(r.text):
                self.assertIn("csrf_token", f["inputs"], path)
        css = b.get("/auth/static/style.css")
        self.assertEqual(css.status, 200, css.describe())
        self.assertEqual(css.media_type, "text/css")
        # An error is a page too, with the same headers.
        self.assertPage(b.post("/login", {"email": "a@b.example"},
                               origin=None), 403)
        r = b.get("/logout")
        self.assertPage(r, 405)
        self.assertEqual(r.header("Allow"), "POST")

    def test_the_page_forms(self):
        b = Browser()
        f = b.form(b.get("/signup"), "signup")
        self.assertEqual(f["attrs"]["action"], "/signup")
        self.assertEqual(set(f["inputs"]), {"csrf_token", "email",
                                            "password"})
        self.assertIn('id="password" name="password"', b.get("/signup").text)
        f = b.form(b.get("/login?next=/x"), "login")
        self.assertEqual(set(f["inputs"]), {"csrf_token", "next", "email",
                                            "password"})
        self.assertEqual(f["inputs"]["next"], "/x")
        f = b.form(b.get("/forgot-password"), "forgot")
        self.assertEqual(set(f["inputs"]), {"csrf_token", "email"})

    def test_pre_session_cookie(self):
        b = Browser()
        r = b.get("/login")
        c = cookies_of(r)[CSRF_COOKIE]
        self.assertRegex(c[0], r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual(c[1].get("samesite"), "Strict")
        self.assertIn("httponly", c[1])
        self.assertNotIn("domain", c[1])
        self.assertNotIn("secure", c[1])
        # Kept while it lives: the same token on the next form.
        t1 = b.form(r, "login")["inputs"]["csrf_token"]
        r2 = b.get("/signup")
        self.assertNotIn(CSRF_COOKIE, cookies_of(r2))
        self.assertEqual(b.form(r2, "signup")["inputs"]["csrf_token"], t1)


class SignupPageTest(PageCase):

    def test_new_and_existing_address_alike(self):
        email, pw = new_email("pg-signup"), strong_password()
        remember(SEEN_PASSWORDS, pw)
        b = Browser()
        r = b.submit(b.get("/signup"), "signup",
                     {"email": email, "password": pw})
        self.assertRedirect(r, "/signup/check-email")
        self.assertEqual(r.body, b"")
        self.assertIsNotNone(sql_value(
            "SELECT id FROM users WHERE lower(email) = lower(:'e');",
            e=email))
        b2 = Browser()
        again = b2.submit(b2.get("/signup"), "signup",
                          {"email": email, "password": strong_password()})
        self.assertRedirect(again, "/signup/check-email")
        self.assertEqual(again.body, r.body)
        page = self.assertPage(b.get("/signup/check-email"), 200)
        self.assertIn("Check your email", page.text)

    def test_errors_next_to_their_field(self):
        b = Browser()
        pw = "Qx7!" + secrets.token_urlsafe(12)
        r = b.submit(b.get("/signup"), "signup",
                     {"email": "not-an-address", "password": pw})
        self.assertPage(r, 422)
        self.assertIn('value="not-an-address"', r.text)
        self.assertNotIn(pw, r.text)
        self.assertIn('aria-describedby="email-error"', r.text)
        self.assertIn('id="email-error"', r.text)
        r = b.submit(b.get("/signup"), "signup",
                     {"email": new_email("pg-weak"), "password": "short"})
        self.assertPage(r, 422)
        self.assertIn('aria-describedby="password-error"', r.text)
        self.assertNotIn('value="short"', r.text)


class LoginPageTest(PageCase):

    def setUp(self):
        super().setUp()
        self.user = create_user("pg-login")

    def test_login_sets_both_cookies_with_every_attribute(self):
        b = Browser()
        r = b.sign_in(self.user)
        self.assertRedirect(r, "/account")
        self.assertEqual(r.body, b"")
        c = cookies_of(r)
        self.assertEqual(set(c) & {ACCESS_COOKIE, REFRESH_COOKIE},
                         {ACCESS_COOKIE, REFRESH_COOKIE})
        val, attrs, raw = c[ACCESS_COOKIE]
        self.assertEqual(val.count("."), 2, raw)
        self.assertEqual(attrs, {"path": "/", "max-age": str(MAIN_ACCESS_TTL),
                                 "httponly": "", "samesite": "Lax"}, raw)
        val, attrs, raw = c[REFRESH_COOKIE]
        self.assertRegex(val, r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual(attrs, {"path": "/", "max-age": str(REFRESH_TTL),
                                 "httponly": "", "samesite": "Strict"}, raw)
        # The loopback-http names: no __Host- prefix, no Secure, no Domain.
        for name in c:
            self.assertFalse(name.startswith("__Host-"), name)
        # No token in the Location or the body.
        self.assertNotIn(val, r.header("Location"))
        remember_refresh = b.jar[REFRESH_COOKIE]
        self.assertTokenPair(refresh(remember_refresh), full=False)

    def test_same_error_for_unknown_email_and_wrong_password(self):
        b = Browser()
        page = b.get("/login")
        unknown = new_email("pg-nobody")
        r1 = b.submit(page, "login", {"email": unknown,
                                      "password": self.user.password})
        r2 = b.submit(page, "login", {"email": self.user.email,
                                      "password": self.user.password + "x"})
        self.assertPage(r1, 401)
        self.assertPage(r2, 401)
        self.assertEqual(r1.text.replace(unknown, "E"),
                         r2.text.replace(self.user.email, "E"))
        self.assertNotIn(self.user.password, r2.text)
        self.assertIn('value="%s"' % html.escape(self.user.email), r2.text)
        self.assertNotIn(ACCESS_COOKIE, b.jar)
        self.assertIn('aria-describedby="login-error"', r1.text)

    def test_unverified_and_disabled(self):
        u = create_user("pg-unver", verified=False)
        b = Browser()
        r = b.submit(b.get("/login"), "login",
                     {"email": u.email, "password": u.password})
        self.assertPage(r, 403)
        self.assertIn("Verify your email", r.text)
        sql("UPDATE users SET disabled_at = now() WHERE id = :'u';",
            u=self.user.id)
        r = b.submit(b.get("/login"), "login",
                     {"email": self.user.email,
                      "password": self.user.password})
        self.assertPage(r, 403)
        self.assertIn("disabled", r.text)
        self.assertNotIn(ACCESS_COOKIE, b.jar)

    def test_rate_limited_is_a_page_with_retry_after(self):
        # rl: login_ip=5/30; the GETs of the form are not counted.
        b = Browser(base=RL)
        page = b.get("/login")
        seen = []
        for _ in range(8):
            r = b.submit(page, "login", {"email": self.user.email,
                                         "password": "wrong-" + "x" * 8})
            seen.append(r.status)
            if r.status == 429:
                break
        self.assertEqual(seen[-1], 429, seen)
        self.assertPage(r, 429)
        self.assertRegex(r.header("Retry-After") or "", r"^\d+$")
        self.assertNotIn(ACCESS_COOKIE, b.jar)

    def test_next_is_kept_only_for_a_path_of_ours(self):
        for bad in BAD_NEXT:
            b = Browser()
            page = b.get("/login?next=" + urllib.parse.quote(bad, safe=""))
            self.assertEqual(b.form(page, "login")["inputs"]["next"],
                             "/account", bad)
            r = b.submit(page, "login", {"email": self.user.email,
                                         "password": self.user.password,
                                         "next": bad})
            self.assertRedirect(r, "/account")
        b = Browser()
        r = b.submit(b.get("/login"), "login", {
            "email": self.user.email, "password": self.user.password,
            "next": CRLF_NEXT})
        self.assertRedirect(r, "/account")
        self.assertIsNone(r.header("X-Evil"))
        r = b.get("/login?next=%2Fa%0D%0AX-Evil%3A%201", check=False)
        self.assertIsNone(r.header("X-Evil"), r.describe())
        if r.status == 200:
            self.assertEqual(b.form(r, "login")["inputs"]["next"],
                             "/account")
        b = Browser()
        r = b.sign_in(self.user, next_path="/samples/private/")
        self.assertRedirect(r, "/samples/private/")


class AccountPageTest(PageCase):

    def setUp(self):
        super().setUp()
        self.user = create_user("pg-acct")
        self.b = Browser(user_agent=CHROME_UA)
        self.b.sign_in(self.user)

    def account(self, b=None):
        return self.assertPage((b or self.b).get("/account"), 200)

    def test_without_a_session(self):
        r = Browser().get("/account")
        self.assertRedirect(r, "/login?next=/account")

    def test_shows_email_and_sessions(self):
        other = Browser(user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; "
                        "x64; rv:120.0) Gecko/20100101 Firefox/120.0")
        other.sign_in(self.user)
        r = self.account()
        self.assertRegex(r.text, r'<strong id="account-email">%s</strong>'
                         % re.escape(html.escape(self.user.email)))
        rows = re.findall(r'<tr class="session">(.*?)</tr>', r.text, re.S)
        self.assertEqual(len(rows), 2, r.text)
        mine = [x for x in rows if "This device" in x]
        self.assertEqual(len(mine), 1)
        self.assertIn("Chrome on Linux", mine[0])
        self.assertNotIn("revoke-session", mine[0])
        theirs = [x for x in rows if "This device" not in x][0]
        self.assertIn("Firefox on Windows", theirs)
        self.assertIn('class="revoke-session"', theirs)
        self.assertIn("UTC", theirs)
        for fid in ("change-password", "logout-all", "logout"):
            self.b.form(r, fid)
        self.assertNotIn(self.b.jar[REFRESH_COOKIE], r.text)
        self.assertNotIn(self.b.jar[ACCESS_COOKIE], r.text)

    def test_revoke_another_session(self):
        other = Browser()
        other.sign_in(self.user)
        r = self.account()
        forms = [f for f in parse_forms(r.text)
                 if f["attrs"].get("class") == "revoke-session"]
        self.assertEqual(len(forms), 1)
        sid = forms[0]["inputs"]["session_id"]
        res = self.b.post(forms[0]["attrs"]["action"], forms[0]["inputs"])
        self.assertRedirect(res, "/account?done=session-revoked")
        self.assertEqual(sql_value(
            "SELECT (revoked_at IS NOT NULL)::text FROM sessions WHERE "
            "id = :'s';", s=sid), "true")
        self.assertProblem(refresh(other.jar[REFRESH_COOKIE]), 401,
                           "invalid_refresh_token")
        self.assertIn("signed out", self.assertPage(
            self.b.get(res.header("Location")), 200).text)
        # Its access cookie still verifies, its session does not.
        self.assertRedirect(other.get("/account"), "/login?next=/account")

    def test_change_password(self):
        r = self.b.submit(self.account(), "change-password",
                          {"current_password": "wrong-" + "y" * 10,
                           "new_password": strong_password()})
        self.assertPage(r, 401)
        self.assertIn('aria-describedby="current_password-error"', r.text)
        new = strong_password()
        remember(SEEN_PASSWORDS, new)
        r = self.b.submit(self.account(), "change-password",
                          {"current_password": self.user.password,
                           "new_password": new})
        self.assertRedirect(r, "/account?done=password-changed")
        self.assertEqual(login(self.user.email, new).status, 200)
        self.assertIn("password is changed", self.assertPage(
            self.b.get(r.header("Location")), 200).text)

    def test_logout_all(self):
        other = Browser()
        other.sign_in(self.user)
        self.assertEqual(live_sessions(self.user.id), 2)
        r = self.b.submit(self.account(), "logout-all")
        self.assertRedirect(r, "/login?done=signed-out-everywhere")
        self.assertEqual(live_sessions(self.user.id), 0)
        self.assertEqual(r.header("Clear-Site-Data"), '"cookies"')
        self.assertNotIn(REFRESH_COOKIE, self.b.jar)

    def test_logout(self):
        r = self.b.submit(self.account(), "logout")
        self.assertRedirect(r, "/login?done=signed-out")
        self.assertEqual(r.header("Clear-Site-Data"), '"cookies"')
        c = cookies_of(r)
        for name in (ACCESS_COOKIE, REFRESH_COOKIE):
            self.assertEqual(c[name][1].get("max-age"), "0", r.describe())
            self.assertNotIn("domain", c[name][1])
        self.assertEqual(live_sessions(self.user.id), 0)
        self.assertIn("signed out", self.b.get(
            "/login?done=signed-out").text)


class RenewTest(PageCase):

    def setUp(self):
        super().setUp()
        self.user = create_user("pg-renew")
        self.b = Browser()
        self.b.sign_in(self.user)

    def test_renew_rotates_and_sets_both_cookies(self):
        old = self.b.jar[REFRESH_COOKIE]
        del self.b.jar[ACCESS_COOKIE]
        r = self.b.get("/auth/session/renew?next=%2Fsamples%2Fprivate%2F")
        self.assertRedirect(r, "/samples/private/")
        c = cookies_of(r)
        self.assertEqual(c[ACCESS_COOKIE][1].get("samesite"), "Lax")
        self.assertEqual(c[REFRESH_COOKIE][1].get("samesite"), "Strict")
        self.assertNotEqual(self.b.jar[REFRESH_COOKIE], old)
        self.assertEqual(sql_value(
            "SELECT (rotated_at IS NOT NULL)::text FROM refresh_tokens "
            "WHERE token_hash = sha256(:'t'::bytea);", t=old), "true")
        self.assertPage(self.b.get("/account"), 200)

    def test_without_a_cookie_or_with_a_bad_next(self):
        r = Browser().get("/auth/session/renew?next=%2Fsamples%2Fprivate%2F")
        self.assertRedirect(r, "/login?next=/samples/private/")
        for bad in BAD_NEXT:
            r = Browser().get("/auth/session/renew?next="
                              + urllib.parse.quote(bad, safe=""))
            self.assertRedirect(r, "/login?next=/account")
            r = self.b.get("/auth/session/renew?next="
                           + urllib.parse.quote(bad, safe=""))
            self.assertRedirect(r, "/account")
        r = self.b.get("/auth/session/renew?next=%2Fa%0D%0AX-Evil%3A%201",
                       check=False)
        self.assertIsNone(r.header("X-Evil"), r.describe())


class ForgotPageTest(PageCase):

    def test_same_page_for_known_and_unknown(self):
        u = create_user("pg-forgot")
        unknown = new_email("pg-forgot-none")
        answers = []
        for addr in (u.email, unknown):
            b = Browser()
            r = b.submit(b.get("/forgot-password"), "forgot",
                         {"email": addr})
            self.assertRedirect(r, "/forgot-password/sent")
            answers.append((r.status, r.header("Location"), r.body,
                            sorted(cookies_of(r))))
            sent = self.assertPage(b.get("/forgot-password/sent"), 200)
            answers.append(sent.body)
        self.assertEqual(answers[0], answers[2])
        self.assertEqual(answers[1], answers[3])
        self.assertEqual(int(sql_value(
            "SELECT count(*) FROM outbox WHERE lower(recipient) = "
            "lower(:'e') AND template = 'password_reset';", e=u.email)), 1)
        self.assertEqual(outbox_state(unknown), {})
