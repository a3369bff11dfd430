"""Database outage: 503 with Retry-After while PostgreSQL is down, and
recovery without restarting the service. run.py runs this file last."""

import secrets
import time

from helpers import (E2ETestCase, create_user, login, login_pair, new_email,
                     refresh, stack_ctl, strong_password)


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
        self.assertEqual(self.assertJSON(h, 200), {
            "status": "ok", "checks": {"db": "ok", "redis": "ok"}})
