"""GET /auth/health with every dependency up (the outage is test_outage)."""

from helpers import ALT, E2ETestCase, MAIN


class HealthTest(E2ETestCase):

    def test_health(self):
        for base in (MAIN, ALT):
            with self.subTest(base=base):
                r = self.req("GET", "/auth/health", base=base)
                self.assertEqual(self.assertJSON(r, 200), {
                    "status": "ok", "checks": {"db": "ok", "redis": "ok"}})
