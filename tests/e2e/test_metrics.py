"""GET /auth/metrics: the node's counters in the Prometheus text format,
answered only to client addresses in metrics_allow (the default: loopback),
the client address taken by the trusted-proxy rules.

Each instance of the test stack is a node with its own counters file (in
its run directory); auth-mailer writes to the main instance's. MAIN runs
two processes per endpoint: the counting test sends its requests from
several threads at once, so both processes of the endpoint answer some,
and the metrics endpoint (another executable) reads their sum.
"""

import concurrent.futures
import re
import time

from helpers import (E2ETestCase, MAIN, RL, create_user, login, login_pair,
                     new_email, new_ip, post, request, signup, stack_ctl,
                     strong_password, wait_mails)

# A client address inside the default metrics_allow: sent as the
# X-Forwarded-For of the trusted proxy (the suite on 127.0.0.1), it is the
# client's address.
ALLOWED = "127.0.0.1"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

SAMPLE_RE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-z_]+="[^"\\\n]*",?)*)\})? '
    r'(-?[0-9.e+]+|\+Inf|NaN)$')
LABEL_RE = re.compile(r'([a-z_]+)="([^"]*)"')


def parse(text):
    """{(name, ((label, value), ...)): float} of an exposition; raises
    AssertionError on a line that is neither a sample nor a comment."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or line == "":
            continue
        m = SAMPLE_RE.match(line)
        if m is None:
            raise AssertionError("not a sample line: %r" % line)
        labels = tuple(sorted(LABEL_RE.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class MetricsCase(E2ETestCase):

    def scrape(self, base=MAIN):
        r = request("GET", "/auth/metrics", base=base, ip=ALLOWED)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("Content-Type"), CONTENT_TYPE)
        return parse(r.text)

    def wait_for(self, pred, base=MAIN, timeout=15):
        """Scrapes until pred(samples) holds; returns the samples."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.scrape(base)
            if pred(s) or time.monotonic() > deadline:
                return s
            time.sleep(0.2)


class MetricsTest(MetricsCase):

    def test_exposition_is_prometheus_text(self):
        r = request("GET", "/auth/metrics", ip=ALLOWED)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("Content-Type"), CONTENT_TYPE)
        s = parse(r.text)
        types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", r.text, re.M))
        for name, kind in (
                ("authd_http_requests_total", "counter"),
                ("authd_http_request_duration_seconds", "histogram"),
                ("authd_rate_limit_refusals_total", "counter"),
                ("authd_login_failures_total", "counter"),
                ("authd_login_lockouts_total", "counter"),
                ("authd_sessions_created_total", "counter"),
                ("authd_sessions_revoked_total", "counter"),
                ("authd_mail_sent_total", "counter"),
                ("authd_mail_failed_total", "counter"),
                ("authd_mail_given_up_total", "counter"),
                ("authd_mail_last_sent_timestamp_seconds", "gauge"),
                ("authd_db_errors_total", "counter"),
                ("authd_redis_errors_total", "counter"),
                ("authd_outbox_pending", "gauge"),
                ("authd_outbox_oldest_pending_age_seconds", "gauge"),
                ("authd_db_up", "gauge"),
                ("authd_redis_up", "gauge")):
            self.assertEqual(types.get(name), kind, name)
        self.assertEqual(value(s, "authd_db_up"), 1)
        self.assertEqual(value(s, "authd_redis_up"), 1)
        # Every endpoint's histogram: cumulative buckets, +Inf == count.
        eps = {dict(k[1])["endpoint"] for k in s
               if k[0] == "authd_http_request_duration_seconds_count"}
        self.assertIn("metrics", eps)
        for ep in eps:
            buckets = sorted(
                (float(dict(k[1])["le"]), v) for k, v in s.items()
                if k[0] == "authd_http_request_duration_seconds_bucket"
                and dict(k[1])["endpoint"] == ep)
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), ep)
            self.assertEqual(buckets[-1][0], float("inf"), ep)
            self.assertEqual(buckets[-1][1], value(
                s, "authd_http_request_duration_seconds_count",
                endpoint=ep), ep)

    def test_other_addresses_are_refused(self):
        for ip in (new_ip(), "192.0.2.7", "2001:db8::7"):
            with self.subTest(ip=ip):
                r = request("GET", "/auth/metrics", ip=ip)
                self.assertProblem(r, 403, "forbidden")
                self.assertNotIn("authd_", r.text)

    def test_the_client_address_follows_the_trusted_proxy_rules(self):
        # RL trusts only 127.0.0.1: from another loopback address the
        # X-Forwarded-For is ignored and the peer itself (loopback,
        # allowed) is the client; through the trusted proxy the forwarded
        # address is, and it is not allowed.
        r = request("GET", "/auth/metrics", base=RL, ip=new_ip(),
                    source="127.0.0.2")
        self.assertEqual(r.status, 200, r.describe())
        r = request("GET", "/auth/metrics", base=RL, ip=new_ip())
        self.assertProblem(r, 403, "forbidden")

    def test_requests_of_every_process_are_counted_exactly(self):
        n = 40
        key = dict(endpoint="login", status="401")
        before = self.scrape()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            rs = list(pool.map(
                lambda i: login(new_email("mx"), "Wrong-pass-123"),
                range(n)))
        for r in rs:
            self.assertProblem(r, 401, "invalid_credentials")
        after = self.scrape()
        self.assertEqual(value(after, "authd_http_requests_total", **key) -
                         value(before, "authd_http_requests_total", **key),
                         n)
        self.assertEqual(
            value(after, "authd_http_request_duration_seconds_count",
                  endpoint="login") -
            value(before, "authd_http_request_duration_seconds_count",
                  endpoint="login"), n)
        self.assertEqual(value(after, "authd_login_failures_total") -
                         value(before, "authd_login_failures_total"), n)
        # The scrape itself is counted (by the metrics process).
        self.assertGreater(
            value(after, "authd_http_requests_total", endpoint="metrics",
                  status="200"),
            value(before, "authd_http_requests_total", endpoint="metrics",
                  status="200"))

    def test_the_verifiers_count_too(self):
        """jwks and the authorizer run as their own user: they add to the
        same counters file as the other endpoints."""
        n = 6
        before = self.scrape()
        for _ in range(n):
            self.assertStatus(request("GET", "/.well-known/jwks.json"), 200)
            self.assertStatus(request("GET", "/samples/private/index.txt"),
                              401)
        after = self.scrape()
        for endpoint, status in (("jwks", "200"), ("authorizer", "401")):
            key = dict(endpoint=endpoint, status=status)
            self.assertEqual(
                value(after, "authd_http_requests_total", **key) -
                value(before, "authd_http_requests_total", **key), n, key)

    def test_sessions_created_and_revoked(self):
        user = create_user("mxs")
        before = self.scrape()
        pairs = [login_pair(user) for _ in range(3)]
        r = post("/auth/logout", {"refresh_token": pairs[0]["refresh_token"]})
        self.assertEqual(r.status, 204, r.describe())
        r = request("POST", "/auth/logout-all",
                    bearer=pairs[1]["access_token"])
        self.assertEqual(r.status, 204, r.describe())
        after = self.scrape()
        self.assertEqual(value(after, "authd_sessions_created_total") -
                         value(before, "authd_sessions_created_total"), 3)
        # one by logout, the other two by logout-all
        self.assertEqual(value(after, "authd_sessions_revoked_total") -
                         value(before, "authd_sessions_revoked_total"), 3)

    def test_rate_limit_refusals_by_rule(self):
        # RL: login_ip = 5/30, its own node (counters file).
        ip = new_ip()
        key = dict(rule="login_ip")
        before = self.scrape(RL)
        refused = 0
        for _ in range(8):
            r = login(new_email("mxr"), "Wrong-pass-123", base=RL, ip=ip)
            if r.status == 429:
                refused += 1
        self.assertGreater(refused, 0)
        after = self.scrape(RL)
        self.assertEqual(
            value(after, "authd_rate_limit_refusals_total", **key) -
            value(before, "authd_rate_limit_refusals_total", **key), refused)
        self.assertEqual(
            value(after, "authd_http_requests_total", endpoint="login",
                  status="429") -
            value(before, "authd_http_requests_total", endpoint="login",
                  status="429"), refused)

    def test_mail_sent_outlives_the_mailer_process(self):
        before = self.scrape()
        email = new_email("mxm")
        r = signup(email, strong_password())
        self.assertEqual(r.status, 202, r.describe())
        wait_mails(email, 1)
        sent = value(before, "authd_mail_sent_total")
        s = self.wait_for(
            lambda s: value(s, "authd_mail_sent_total") >= sent + 1)
        self.assertGreaterEqual(value(s, "authd_mail_sent_total"), sent + 1)
        self.assertGreaterEqual(
            value(s, "authd_mail_last_sent_timestamp_seconds"),
            int(time.time()) - 60)
        # A counter outlives the process that counted.
        stack_ctl("mailer-stop")
        try:
            s2 = self.scrape()
            self.assertGreaterEqual(value(s2, "authd_mail_sent_total"),
                                    value(s, "authd_mail_sent_total"))
        finally:
            stack_ctl("mailer-start")
        email = new_email("mxm")
        self.assertEqual(signup(email, strong_password()).status, 202)
        wait_mails(email, 1)
        s3 = self.wait_for(lambda x: value(x, "authd_mail_sent_total") >=
                           value(s2, "authd_mail_sent_total") + 1)
        self.assertGreaterEqual(value(s3, "authd_mail_sent_total"),
                                value(s2, "authd_mail_sent_total") + 1)
