"""Email delivery through a real SMTP server (the stack's sink): the
verification email and its link, an SMTP outage, two mailers on one
outbox, a permanently refused address, the file transport, authctl outbox
retry/purge, and POST /auth/verify-email/resend."""

import concurrent.futures
import datetime
import email.policy
import email.utils
import os
import pwd
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.parse

from helpers import (AUTHCTL, CONFIG, MAIL_DIR, RL, STACK_DIR, TOKEN_RE,
                     E2ETestCase, SEEN_EMAIL_TOKENS, SEEN_PASSWORDS,
                     config_value, create_user, login, mail_link, mailbox,
                     mails, new_email, new_ip, outbox_link, outbox_state,
                     remember, signup, sql, sql_value, stack_ctl,
                     strong_password, wait_mails)

MAILER = os.path.join(os.path.dirname(AUTHCTL[0]), "auth-mailer")
REJECT_DOMAIN = "reject.test"       # the sink answers 550 (scripts/dev)


def outbox_rows(addr):
    """[id, template, status, attempts, payload bytes, last_error] of
    every row to addr, oldest first."""
    return sql("SELECT id, template, status, attempts, octet_length(payload),"
               " coalesce(last_error, '') FROM outbox WHERE lower(recipient) ="
               " lower(:'e') ORDER BY id;", e=addr)


def service_owned(*paths):
    """auth-mailer refuses root: as root, the suite runs it as the service
    user (MAILER is a wrapper), so what it reads or writes is that user's."""
    if os.geteuid() == 0:
        uid = pwd.getpwnam("authd").pw_uid
        for p in paths:
            os.chown(p, uid, -1)


def authctl(*args):
    return subprocess.run(AUTHCTL + list(args), capture_output=True,
                          text=True, timeout=60,
                          env=dict(os.environ, AUTH_CONFIG=CONFIG))


def raw_mails(addr):
    d = os.path.join(MAIL_DIR, mailbox(addr))
    if not os.path.isdir(d):
        return []
    out = []
    for n in sorted(os.listdir(d)):
        if n.endswith(".eml") and not n.startswith("."):
            with open(os.path.join(d, n), "rb") as f:
                out.append(f.read())
    return out


def wait_status(row_id, statuses, timeout=20):
    """Waits until outbox row row_id has one of statuses; returns its
    [status, attempts, last_error]."""
    deadline = time.monotonic() + timeout
    while True:
        r = sql("SELECT status, attempts, coalesce(last_error, '') FROM "
                "outbox WHERE id = :'i';", i=row_id)
        if r and r[0][0] in statuses:
            return r[0]
        if time.monotonic() > deadline:
            raise AssertionError("outbox %s: %r, not %r after %ds"
                                 % (row_id, r, statuses, timeout))
        time.sleep(0.1)


def token_of(link):
    tok = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    tok = tok.get("token", [""])[0]
    remember(SEEN_EMAIL_TOKENS, tok)
    return tok


class MailDeliveryTest(E2ETestCase):

    def signup_new(self, tag, addr=None):
        addr = addr or new_email(tag)
        pw = strong_password()
        r = self.post("/auth/signup", {"email": addr, "password": pw})
        self.assertStatus(r, 202)
        remember(SEEN_PASSWORDS, pw)
        return addr, pw

    def test_signup_email_arrives_with_a_working_link(self):
        t0 = time.monotonic()
        addr, pw = self.signup_new("mail")
        msgs = wait_mails(addr, 1)
        latency = time.monotonic() - t0
        print("\n  signup -> message in the sink: %.0f ms" % (latency * 1000))
        m = msgs[0]
        self.assertIn("<noreply@authd.test>", m["From"])
        self.assertEqual(email.utils.parseaddr(m["To"])[1], addr)
        self.assertEqual(m["Subject"], "Verify your email address")
        self.assertEqual(m["MIME-Version"], "1.0")
        self.assertRegex(m["Message-ID"], r"^<[0-9a-f]{32}@authd\.test>$")
        sent = email.utils.parsedate_to_datetime(m["Date"])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - sent).total_seconds()), 300)
        self.assertEqual(m.get_content_type(), "multipart/alternative")
        self.assertEqual([p.get_content_type() for p in m.iter_parts()],
                         ["text/plain", "text/html"])
        for p in m.iter_parts():
            self.assertEqual(p.get_content_charset(), "utf-8")
        raw = raw_mails(addr)[0]
        self.assertNotRegex(raw, rb"(?<!\r)\n", "a bare LF in the message")
        link = mail_link(m)
        pub = config_value("public_url").rstrip("/")
        self.assertTrue(link.startswith(pub + "/verify-email?token="), link)
        tok = token_of(link)
        self.assertRegex(tok, TOKEN_RE)
        # The sent row keeps no payload; authctl says so.
        rows = outbox_rows(addr)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][2:5], ["sent", "1", "0"])
        p = authctl("outbox", "link", addr)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("was sent", p.stderr)
        # The link verifies the account, once.
        self.assertProblem(login(addr, pw), 403, "email_not_verified", [pw])
        r = self.post("/auth/verify-email", {"token": tok})
        self.assertEqual(self.assertJSON(r, 200), {"status": "verified"})
        self.assertStatus(login(addr, pw), 200)
        self.assertProblem(self.post("/auth/verify-email", {"token": tok}),
                           400, "invalid_token")
        time.sleep(1)
        self.assertEqual(len(mails(addr)), 1, "the message came twice")

    def test_existing_owner_gets_the_notice_by_mail(self):
        u = create_user("mailnotice")
        self.signup_new("x", addr=u.email.upper())
        msgs = wait_mails(u.email, 2)
        self.assertEqual(msgs[1]["Subject"],
                         "Someone tried to sign up with your email address")
        self.assertEqual(email.utils.parseaddr(msgs[1]["To"])[1], u.email)
        link = mail_link(msgs[1])
        self.assertEqual(link, config_value("public_url").rstrip("/") + "/")

    def test_permanent_failure_ends_failed_and_retry_purge(self):
        addr, _ = self.signup_new("rej",
                                  "e2e.%s@%s" % (new_ip().replace(".", "-"),
                                                 REJECT_DOMAIN))
        row_id = outbox_rows(addr)[0][0]
        status, attempts, err = wait_status(row_id, ("failed",))
        self.assertEqual(attempts, "1", "a 550 is not retried")
        self.assertIn("550", err)
        self.assertEqual(mails(addr), [])
        p = authctl("outbox", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"(?m)^%s\t.*\tfailed\t1\t.*550" % row_id)
        # retry: pending again with attempts reset, and failed again.
        p = authctl("outbox", "retry", row_id)
        self.assertEqual(p.returncode, 0, p.stderr)
        status, attempts, err = wait_status(row_id, ("failed",))
        self.assertEqual(attempts, "1")
        p = authctl("outbox", "retry", row_id)
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_status(row_id, ("failed",))
        p = authctl("outbox", "retry", "999999999")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(authctl("outbox", "retry", "1; DROP").returncode, 2)
        # purge: only old rows, failed ones only with --failed.
        sql("UPDATE outbox SET created_at = now() - interval '400 days' "
            "WHERE id = :'i';", i=row_id)
        p = authctl("outbox", "purge", "--days", "365")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(outbox_rows(addr)), 1)
        p = authctl("outbox", "purge", "--days", "365", "--failed")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("failed messages: 1 deleted", p.stdout)
        self.assertEqual(outbox_rows(addr), [])
        self.assertEqual(authctl("outbox", "purge", "--days", "x").returncode,
                         2)

    def test_purge_deletes_old_sent_rows(self):
        addr, _ = self.signup_new("purge")
        wait_mails(addr, 1)
        row_id = outbox_rows(addr)[0][0]
        wait_status(row_id, ("sent",))
        sql("UPDATE outbox SET sent_at = now() - interval '400 days' "
            "WHERE id = :'i';", i=row_id)
        p = authctl("outbox", "purge", "--days", "365")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("sent messages: 1 deleted", p.stdout)
        self.assertEqual(outbox_rows(addr), [])

    def test_smtp_outage_messages_wait_then_arrive_once(self):
        n = 5
        addrs = []
        try:
            stack_ctl("smtp-stop")
            for i in range(n):
                addrs.append(self.signup_new("outage%d" % i)[0])
            ids = [outbox_rows(a)[0][0] for a in addrs]
            # Each is tried, fails and waits as pending.
            deadline = time.monotonic() + 20
            while True:
                rows = sql("SELECT status, attempts, coalesce(last_error, '')"
                           " FROM outbox WHERE id IN (%s);" % ",".join(ids))
                if all(r[0] == "pending" and int(r[1]) >= 1 and r[2]
                       for r in rows) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            for r in rows:
                self.assertEqual(r[0], "pending", rows)
                self.assertGreaterEqual(int(r[1]), 1, rows)
                self.assertIn("smtp", r[2], rows)
            for a in addrs:
                self.assertEqual(mails(a), [])
            # One of them is held by a mailer that "died" mid-send: its
            # lease must run out before anyone sends it.
            until = None
            deadline = time.monotonic() + 10
            while until is None and time.monotonic() < deadline:
                r = sql("UPDATE outbox SET status = 'sending', attempts = "
                        "attempts + 1, next_attempt_at = now() + interval "
                        "'4 seconds' WHERE id = :'i' AND status = 'pending' "
                        "RETURNING next_attempt_at;", i=ids[0])
                until = r[0][0] if r else None
                if until is None:
                    time.sleep(0.05)
            self.assertIsNotNone(until, "could not take the lease")
        finally:
            stack_ctl("smtp-start")
        t0 = time.monotonic()
        for a in addrs:
            wait_mails(a, 1, timeout=40)
        print("\n  all %d arrived %.1f s after the SMTP server returned"
              % (n, time.monotonic() - t0))
        self.assertEqual(sql_value(
            "SELECT (sent_at >= :'u'::timestamptz)::text FROM outbox "
            "WHERE id = :'i';", u=until, i=ids[0]), "true",
            "the leased message was sent before its lease ran out")
        time.sleep(1.5)
        for a in addrs:
            got = mails(a)
            self.assertEqual(len(got), 1, "%s got %d messages" % (a, len(got)))
            token_of(mail_link(got[0]))
            self.assertEqual(outbox_state(a), {"sent": 1})

    def test_two_mailers_send_each_message_once(self):
        n = 24
        log = tempfile.NamedTemporaryFile(prefix="mailer2.", suffix=".log",
                                          delete=False)
        env = dict(os.environ, AUTH_CONFIG=CONFIG)
        second = subprocess.Popen([MAILER], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=log, env=env)
        try:
            deadline = time.monotonic() + 10
            while b"started" not in open(log.name, "rb").read():
                self.assertIsNone(second.poll(), open(log.name).read())
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            addrs = [new_email("two%d" % i) for i in range(n)]
            with concurrent.futures.ThreadPoolExecutor(8) as ex:
                res = list(ex.map(lambda a: signup(a, strong_password()),
                                  addrs))
            for r in res:
                self.assertStatus(r, 202)
            for a in addrs:
                wait_mails(a, 1)
            time.sleep(1.5)
            for a in addrs:
                self.assertEqual(len(mails(a)), 1, a)
                self.assertEqual(outbox_state(a), {"sent": 1})
            ids = {r[0] for a in addrs for r in outbox_rows(a)}
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                rc = second.wait(20)
            except subprocess.TimeoutExpired:
                second.kill()
                rc = second.wait()
        self.assertEqual(rc, 0, "SIGTERM: exit status %d" % rc)

        def sent_ids(path):
            out = []
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = re.search(r"outbox (\d+) sent", line)
                    if m and m.group(1) in ids:
                        out.append(m.group(1))
            return out
        mine = sent_ids(log.name)
        theirs = sent_ids(os.path.join(STACK_DIR, "log", "mailer.log"))
        print("\n  %d messages: %d sent by the stack's mailer, %d by the "
              "second one" % (n, len(theirs), len(mine)))
        self.assertEqual(sorted(mine + theirs), sorted(ids),
                         "each message sent by exactly one mailer")
        self.assertIn("stopped", open(log.name).read())
        os.unlink(log.name)

    def test_smtp_password_file_must_be_private(self):
        d = tempfile.mkdtemp(prefix="authd-pw.")
        pw = os.path.join(d, "smtp.pw")
        with open(pw, "w") as f:
            f.write("sink-password\n")
        service_owned(d, pw)
        link = os.path.join(d, "link.pw")
        os.symlink(pw, link)
        env = dict(os.environ, AUTH_CONFIG=CONFIG, AUTH_MAIL_TRANSPORT="smtp",
                   AUTH_SMTP_USER="mailer")
        try:
            for path, mode, why in ((pw, 0o640, "group or others"),
                                    (pw, 0o604, "group or others"),
                                    (link, 0o600, "symbolic links")):
                os.chmod(pw, mode)
                p = subprocess.run([MAILER, "--once"], capture_output=True,
                                   text=True, timeout=60,
                                   env=dict(env, AUTH_SMTP_PASSWORD_FILE=path))
                self.assertNotEqual(p.returncode, 0, (path, oct(mode)))
                self.assertIn("smtp_password_file", p.stderr)
                self.assertIn(why, p.stderr)
                self.assertNotIn("sink-password", p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_file_transport_once_and_notify(self):
        out = tempfile.mkdtemp(prefix="authd-mail.")
        service_owned(out)
        env = dict(os.environ, AUTH_CONFIG=CONFIG, AUTH_MAIL_TRANSPORT="file",
                   AUTH_MAIL_FILE_DIR=out, AUTH_MAIL_POLL_INTERVAL="3600")
        log = os.path.join(out, "mailer.log")
        mailer = None
        try:
            stack_ctl("mailer-stop")
            # No mailer runs: the message waits.
            first, _ = self.signup_new("file")
            time.sleep(0.5)
            self.assertEqual(outbox_state(first), {"pending": 1})
            p = subprocess.run([MAILER, "--once"], capture_output=True,
                               text=True, timeout=60, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(outbox_state(first), {"sent": 1})
            # A long-running mailer that polls once an hour still sends at
            # once: it wakes on the NOTIFY of the insert.
            with open(log, "wb") as f:
                mailer = subprocess.Popen([MAILER], stdin=subprocess.DEVNULL,
                                          stdout=f, stderr=f, env=env)
            deadline = time.monotonic() + 10
            while b"started" not in open(log, "rb").read():
                self.assertIsNone(mailer.poll())
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            time.sleep(0.5)
            second, _ = self.signup_new("notify")
            t0 = time.monotonic()
            while outbox_state(second) != {"sent": 1}:
                self.assertLess(time.monotonic() - t0, 5, "no NOTIFY wake-up")
                time.sleep(0.05)
            print("\n  NOTIFY -> sent by a mailer polling hourly: %.0f ms"
                  % ((time.monotonic() - t0) * 1000))
            mailer.send_signal(signal.SIGTERM)
            self.assertEqual(mailer.wait(20), 0)
            mailer = None
            # Bad usage and a bad configuration stop it at once.
            p = subprocess.run([MAILER, "--once", "extra"],
                               capture_output=True, timeout=60, env=env)
            self.assertEqual(p.returncode, 2)
            bad = dict(env, AUTH_MAIL_FROM="bad\r\nBcc: x@example.com")
            p = subprocess.run([MAILER, "--once"], capture_output=True,
                               text=True, timeout=60, env=bad)
            self.assertEqual(p.returncode, 1)
            self.assertIn("AUTH_MAIL_FROM", p.stderr)
        finally:
            if mailer is not None:
                mailer.kill()
                mailer.wait()
            stack_ctl("mailer-start")
        for addr in (first, second):
            row_id = outbox_rows(addr)[0][0]
            files = [f for f in os.listdir(out) if "-%s-" % row_id in f]
            self.assertEqual(len(files), 1, os.listdir(out))
            self.assertTrue(files[0].endswith(".eml"))
            with open(os.path.join(out, files[0]), "rb") as f:
                m = email.message_from_binary_file(
                    f, policy=email.policy.default)
            self.assertEqual(email.utils.parseaddr(m["To"])[1], addr)
            tok = token_of(mail_link(m))
            self.assertStatus(self.post("/auth/verify-email",
                                        {"token": tok}), 200)
            self.assertEqual(mails(addr), [], "also sent by SMTP")
        for f in os.listdir(out):
            os.unlink(os.path.join(out, f))
        os.rmdir(out)


    def stand_in_sendmail(self, d, name, code, say=""):
        """An executable d/name that records its arguments and the message
        it reads (d/N.args, d/N.eml), says say on stderr, exits code."""
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n"
                    "printf '%%s\\n' \"$@\" >%(d)s/$$.args\n"
                    "cat >%(d)s/$$.eml\n"
                    "printf '%%s\\n' '%(say)s' >&2\n"
                    "exit %(code)d\n" % {"d": d, "say": say, "code": code})
        os.chmod(path, 0o755)
        return path

    @staticmethod
    def sendmail_run(d, argv):
        """The message of the one stand-in run in d with arguments argv."""
        runs = []
        for n in os.listdir(d):
            if n.endswith(".args"):
                with open(os.path.join(d, n)) as f:
                    if f.read().splitlines() == argv:
                        runs.append(n[:-len(".args")])
        if len(runs) != 1:
            raise AssertionError("runs with %r: %r" % (argv, runs))
        with open(os.path.join(d, runs[0] + ".eml"), "rb") as f:
            return email.message_from_binary_file(
                f, policy=email.policy.default)

    def test_sendmail_transport(self):
        out = tempfile.mkdtemp(prefix="authd-sendmail.")
        os.chmod(out, 0o755)
        service_owned(out)
        env = dict(os.environ, AUTH_CONFIG=CONFIG,
                   AUTH_MAIL_TRANSPORT="sendmail")
        sender = email.utils.parseaddr(config_value("mail_from"))[1]
        addrs = {}
        try:
            stack_ctl("mailer-stop")
            for name, code, say in (("ok", 0, ""),
                                    ("nouser", 67, "no such user here"),
                                    ("tempfail", 75, "queue is busy")):
                addr, _ = self.signup_new("sendmail-" + name)
                addrs[name] = addr
                time.sleep(0.3)
                prog = self.stand_in_sendmail(out, name, code, say)
                p = subprocess.run([MAILER, "--once"], capture_output=True,
                                   text=True, timeout=60,
                                   env=dict(env, AUTH_SENDMAIL_PATH=prog))
                self.assertEqual(p.returncode, 0, p.stderr)
                m = self.sendmail_run(out, ["-i", "-f", sender, "--", addr])
                self.assertEqual(email.utils.parseaddr(m["To"])[1], addr)
                if code == 0:
                    self.assertEqual(outbox_state(addr), {"sent": 1})
                    tok = token_of(mail_link(m))
                    self.assertStatus(self.post("/auth/verify-email",
                                                {"token": tok}), 200)
            sent, refused, later = (addrs["ok"], addrs["nouser"],
                                    addrs["tempfail"])
            rows = {a: outbox_rows(a)[0] for a in (refused, later)}
            self.assertEqual(rows[refused][2], "failed")
            self.assertIn("sendmail: exit 67: no such user here",
                          rows[refused][5])
            self.assertEqual(rows[later][2], "pending")
            self.assertIn("sendmail: exit 75: queue is busy", rows[later][5])
            # A sendmail_path that is not there stops the mailer at once.
            p = subprocess.run([MAILER, "--once"], capture_output=True,
                               text=True, timeout=60,
                               env=dict(env, AUTH_SENDMAIL_PATH=out + "/no"))
            self.assertEqual(p.returncode, 1)
            self.assertIn("sendmail_path", p.stderr)
        finally:
            stack_ctl("mailer-start")
            shutil.rmtree(out, ignore_errors=True)
        self.assertEqual(mails(sent), [], "also sent by SMTP")


class ResendTest(E2ETestCase):

    def resend(self, addr, **kw):
        return self.post("/auth/verify-email/resend", {"email": addr}, **kw)

    def assertSent(self, r):
        self.assertEqual(self.assertJSON(r, 202),
                         {"status": "verification_sent"})

    def test_same_answer_for_unknown_verified_unverified(self):
        unknown = new_email("rs-unknown")
        verified = create_user("rs-verified")
        unverified = create_user("rs-unverified", verified=False)
        answers = []
        for addr in (unknown, verified.email, unverified.email):
            r = self.resend(addr, ip=new_ip())
            self.assertSent(r)
            answers.append((r.body, r.header("Content-Type")))
        self.assertEqual(len(set(answers)), 1, answers)
        wait_mails(unverified.email, 2)
        time.sleep(1)
        self.assertEqual(outbox_rows(unknown), [])
        self.assertEqual(len(outbox_rows(verified.email)), 1)
        self.assertEqual(len(mails(verified.email)), 1)
        self.assertEqual(len(mails(unverified.email)), 2)

    def test_new_token_voids_the_old_one(self):
        u = create_user("rs-void", verified=False)
        old_link, old = outbox_link(u.email)
        self.assertSent(self.resend("  " + u.email.upper() + " "))
        msgs = wait_mails(u.email, 2)
        new_link = mail_link(msgs[-1])
        new = token_of(new_link)
        self.assertNotEqual(new, old)
        self.assertEqual(msgs[-1]["Subject"], "Verify your email address")
        self.assertEqual(email.utils.parseaddr(msgs[-1]["To"])[1], u.email)
        self.assertProblem(self.post("/auth/verify-email", {"token": old}),
                           400, "invalid_token")
        r = self.post("/auth/verify-email", {"token": new})
        self.assertEqual(self.assertJSON(r, 200), {"status": "verified"})
        self.assertStatus(login(u.email, u.password), 200)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM audit_events WHERE user_id = :'u' AND "
            "event = 'verify_email_resent';", u=u.id), "1")
        # Verified now: a resend queues nothing more.
        self.assertSent(self.resend(u.email, ip=new_ip()))
        time.sleep(1)
        self.assertEqual(len(outbox_rows(u.email)), 2)

    def test_validation_and_methods(self):
        self.assertValidation(self.post("/auth/verify-email/resend", {}),
                              ["email"])
        self.assertValidation(self.resend("not-an-address"), ["email"])
        self.assertValidation(self.resend("a@b.example\r\nBcc: x@y.example"),
                              ["email"])
        r = self.req("GET", "/auth/verify-email/resend")
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertIn("POST", r.header("Allow") or "")
        r = self.req("POST", "/auth/verify-email/resend",
                     form={"email": new_email("rs-form")})
        self.assertSent(r)

    def test_timing_is_the_same_for_known_and_unknown(self):
        def timed(addr):
            t = time.monotonic()
            r = self.resend(addr, ip=new_ip())
            d = time.monotonic() - t
            self.assertSent(r)
            return d
        pending = [create_user("rs-time%d" % i, verified=False).email
                   for i in range(5)]
        known, unknown = [], []
        for a in pending:
            unknown.append(timed(new_email("rs-none")))
            known.append(timed(a))
        mk, mu = statistics.median(known), statistics.median(unknown)
        print("\n  resend median: %.1f ms (unverified account), %.1f ms "
              "(unknown address)" % (mk * 1000, mu * 1000))
        self.assertLess(abs(mk - mu), 0.025, (known, unknown))
        self.assertGreater(min(known + unknown), 0.055)

    def test_rate_limits(self):
        # The RL instance keeps the defaults: 3 per account and 5 per IP
        # an hour.
        addr = new_email("rs-rl")
        for i in range(3):
            self.assertSent(self.resend(addr, base=RL, ip=new_ip()))
        r = self.resend(addr.upper(), base=RL, ip=new_ip())
        self.assertProblem(r, 429, "rate_limited")
        self.assertRegex(r.header("Retry-After") or "", r"^\d+$")
        # A per-account refusal says when, not whose activity: no policy
        # or state of the account's rule.
        self.assertIsNone(r.header("RateLimit-Policy"), r.describe())
        self.assertIsNone(r.header("RateLimit"), r.describe())
        ip = new_ip()
        for i in range(5):
            self.assertSent(self.resend(new_email("rs-ip"), base=RL, ip=ip))
        r = self.resend(new_email("rs-ip"), base=RL, ip=ip)
        self.assertProblem(r, 429, "rate_limited")
        self.assertIn("verify_resend_ip", r.header("RateLimit-Policy") or "")
