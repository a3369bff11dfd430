"""Database outage: 503 with Retry-After while PostgreSQL is down, and
recovery without restarting the service. run.py runs this file last."""

import secrets
import time

from helpers import (Browser, E2ETestCase, create_user, login, login_pair,
                     new_email, refresh, stack_ctl, strong_password)


class OutageTest(E2ETestCase):

    def setUp(self):
        super().setUp()
        self.user = create_user("outage")
        self.pair = login_pair(self.user, ip=self.ip)

    def assertUnavailable(self, r):
        self.assertProblem(r, 503, "service_unavailable", [self.user.password])
        ra = r.header("Retry-After")
        self.assertIsNotNone(ra, r.describe())
        self.assertRegex(ra, r"^\d+$")

    def test_1_restart_is_invisible(self):
        stack_ctl("pg-restart")
        # Every process finds its connection dead and reconnects at once.
        for _ in range(4):
            r = login(self.user.email, self.user.password, ip=self.ip)
            self.assertTokenPair(r)
        r = refresh(self.pair["refresh_token"], ip=self.ip)
        self.assertTokenPair(r, full=False)
        h = self.req("GET", "/auth/health")
        self.assertEqual(self.assertJSON(h, 200)["checks"]["db"], "ok")

    def test_2_stop_and_start(self):
        try:
            stack_ctl("pg-stop")
            for _ in range(2):
                self.assertUnavailable(
                    login(self.user.email, self.user.password, ip=self.ip))
            # A dead database is not an invalid token.
            self.assertUnavailable(
                refresh(self.pair["refresh_token"], ip=self.ip))
            self.assertUnavailable(self.post(
                "/auth/signup", {"email": new_email("outage"),
                                 "password": strong_password()}))
            self.assertUnavailable(self.post(
                "/auth/verify-email", {"token": secrets.token_urlsafe(32)}))
            h = self.req("GET", "/auth/health")
            self.assertEqual(h.status, 503, h.describe())
            self.assertRegex(h.header("Retry-After") or "", r"^\d+$",
                             h.describe())
            b = h.json
            self.assertNotEqual(b.get("status"), "ok", h.describe())
            self.assertIsInstance(b.get("checks"), dict, h.describe())
            self.assertIn("db", b["checks"], h.describe())
            self.assertNotEqual(b["checks"]["db"], "ok", h.describe())
            self.assertEqual(b["checks"].get("redis"), "ok", h.describe())
        finally:
            stack_ctl("pg-start")

        deadline = time.monotonic() + 15
        while True:
            r = login(self.user.email, self.user.password, ip=self.ip)
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertTokenPair(r)
        self.assertTokenPair(refresh(self.pair["refresh_token"], ip=self.ip),
                             full=False)
        h = self.req("GET", "/auth/health")
        b = self.assertJSON(h, 200)
        self.assertEqual({k: b.get(k) for k in ("status", "checks")}, {
            "status": "ok", "checks": {"db": "ok", "redis": "ok",
                                       "mail": "ok"}})


class PageOutageTest(E2ETestCase):
    """A page's form post answers a page on every error: with PostgreSQL
    stopped, a 503 page with Retry-After, never problem+json."""

    def assertUnavailablePage(self, r, secrets_=()):
        self.assertEqual(r.status, 503, r.describe())
        self.assertEqual(r.media_type, "text/html", r.describe())
        self.assertRegex(r.header("Retry-After") or "", r"^\d+$")
        self.assertEqual(r.header("X-Frame-Options"), "DENY")
        for s_ in secrets_:
            self.assertNotIn(s_, r.text)

    def test_pages_while_the_database_is_down(self):
        user = create_user("outage-page")
        b = Browser()
        b.sign_in(user)
        account = b.get("/account")
        lb = Browser()
        login_page = lb.get("/login")
        sb = Browser()
        signup_page = sb.get("/signup")
        fb = Browser()
        forgot_page = fb.get("/forgot-password")
        vb = Browser()
        verify_page = vb.get("/verify-email?token=" + secrets.token_urlsafe(32))
        try:
            stack_ctl("pg-stop")
            self.assertUnavailablePage(lb.submit(login_page, "login", {
                "email": user.email, "password": user.password}),
                [user.password])
            self.assertUnavailablePage(sb.submit(signup_page, "signup", {
                "email": new_email("outage-page"),
                "password": strong_password()}))
            self.assertUnavailablePage(fb.submit(forgot_page, "forgot", {
                "email": user.email}))
            self.assertUnavailablePage(vb.submit(verify_page, "verify"))
            self.assertUnavailablePage(b.get("/account"))
            self.assertUnavailablePage(b.submit(account, "logout-all"))
            self.assertUnavailablePage(b.get("/auth/session/renew?next=/"))
        finally:
            stack_ctl("pg-start")
        deadline = time.monotonic() + 15
        while b.get("/account").status != 200 and \
                time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertEqual(b.get("/account").status, 200)
