"""GET /auth/health with every dependency up (the outage is test_outage),
and the mail check: a backlog older than mail_backlog_max_age (900 s by
default) is degraded, still a 200."""

from helpers import ALT, E2ETestCase, MAIN, RFC3339_RE, sql


class HealthTest(E2ETestCase):

    def assertMail(self, body):
        mail = body.get("mail")
        self.assertIsInstance(mail, dict, body)
        self.assertEqual(set(mail), {"pending", "oldest_pending_age",
                                     "last_sent_at"}, body)
        self.assertIsInstance(mail["pending"], int, body)
        self.assertIsInstance(mail["oldest_pending_age"], int, body)
        if mail["last_sent_at"] is not None:
            self.assertRegex(mail["last_sent_at"], RFC3339_RE)
        return mail

    def test_health(self):
        for base in (MAIN, ALT):
            with self.subTest(base=base):
                r = self.req("GET", "/auth/health", base=base)
                b = self.assertJSON(r, 200)
                self.assertEqual({k: b[k] for k in ("status", "checks")}, {
                    "status": "ok", "checks": {"db": "ok", "redis": "ok",
                                               "mail": "ok"}})
                self.assertEqual(set(b), {"status", "checks", "mail"})
                self.assertMail(b)

    def test_an_old_mail_backlog_is_degraded(self):
        # A message queued two hours ago whose next attempt is tomorrow:
        # the mailer leaves it alone, the backlog's age is two hours.
        rows = sql("INSERT INTO outbox (created_at, recipient, template,"
                   " payload, next_attempt_at) VALUES (now() - interval"
                   " '2 hours', 'old@backlog.test', 'verify_email',"
                   " '\\x00'::bytea, now() + interval '1 day') RETURNING id;")
        try:
            r = self.req("GET", "/auth/health")
            b = self.assertJSON(r, 200)
            self.assertEqual(b["status"], "degraded", r.describe())
            self.assertEqual(b["checks"], {"db": "ok", "redis": "ok",
                                           "mail": "degraded"})
            mail = self.assertMail(b)
            self.assertGreaterEqual(mail["pending"], 1)
            self.assertGreaterEqual(mail["oldest_pending_age"], 7200)
        finally:
            sql("DELETE FROM outbox WHERE id = :'id';", id=rows[0][0])
        b = self.assertJSON(self.req("GET", "/auth/health"), 200)
        self.assertEqual(b["checks"]["mail"], "ok", b)
