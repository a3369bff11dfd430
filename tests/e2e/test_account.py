"""The account lifecycle over HTTP: password forgot/reset (API and the
/reset-password page), password change, logout-all, the sessions list and
revoking one session, hash upgrades of imported bcrypt and older yescrypt
users, the authctl user/audit commands and the audit trail."""

import ctypes
import json
import os
import secrets
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import uuid

from helpers import (Browser, ALT, AUTHCTL, CONFIG, E2ETestCase, MAIN,
                     UUID_RE, RFC3339_RE, SEEN_EMAIL_TOKENS, SEEN_PASSWORDS,
                     create_user, login, login_pair, new_email, new_ip,
                     outbox_link, parse_forms, post, refresh, remember,
                     request, sql, sql_value, strong_password,
                     token_hash_literal, user_id)

RESET_TEMPLATE = "password_reset"
RESET_TTL = 3600
UA = "e2e-account/1.0 (lifecycle)"

# ---------------------------------------------------------------------------
# Helpers of this module


def authctl(*args, stdin=None, check=True):
    """Runs authctl with the suite's config; returns the CompletedProcess."""
    p = subprocess.run(AUTHCTL + list(args), input=stdin,
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, AUTH_CONFIG=CONFIG))
    if check and p.returncode != 0:
        raise AssertionError("authctl %s failed (%d): %s"
                             % (" ".join(args), p.returncode,
                                p.stderr.strip()))
    return p


def reset_link(email):
    """The newest password reset link for email: (link, token), from the
    email the stack's SMTP sink received."""
    return outbox_link(email, template=RESET_TEMPLATE)


def reset_mails(email):
    return int(sql_value(
        "SELECT count(*) FROM outbox WHERE lower(recipient) = lower(:'e') "
        "AND template = :'t';", e=email, t=RESET_TEMPLATE))


def forgot(email, ip=None, **kw):
    return post("/auth/password/forgot", {"email": email}, ip=ip or new_ip(),
                **kw)


def password_hash(uid):
    return sql_value("SELECT password_hash FROM users WHERE id = :'u';",
                     u=uid)


_libcrypt = None


def crypt_hash(password, prefix, cost):
    """A crypt(5) hash of password made by libxcrypt (the system's own
    library, through ctypes): prefix "$2b$", "$2a$", "$2y$" or "$y$"."""
    global _libcrypt
    if _libcrypt is None:
        lib = ctypes.CDLL("libcrypt.so.1")
        lib.crypt_gensalt.restype = ctypes.c_char_p
        lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong,
                                      ctypes.c_char_p, ctypes.c_int]
        lib.crypt.restype = ctypes.c_char_p
        lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        _libcrypt = lib
    setting = _libcrypt.crypt_gensalt(prefix.encode(), cost, None, 0)
    h = _libcrypt.crypt(password.encode("utf-8"), setting).decode()
    if not h.startswith(prefix):
        raise AssertionError("crypt failed for %s: %r" % (prefix, h))
    return h


def import_csv(text):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        os.chmod(path, 0o644)
        return authctl("user", "import", path, check=False)
    finally:
        os.unlink(path)


def audit_rows(uid, event):
    """[(ip, user_agent, request_id, detail)] of uid's events named event."""
    return sql("SELECT coalesce(host(ip), ''), coalesce(user_agent, ''), "
               "coalesce(request_id, ''), coalesce(detail::text, '') "
               "FROM audit_events WHERE user_id = :'u' AND event = :'e' "
               "ORDER BY id;", u=uid, e=event)


class AccountCase(E2ETestCase):

    def setUp(self):
        super().setUp()
        self.user = create_user("acct")

    def assertAudited(self, uid, event, ip=None, rid=None, ua=UA):
        rows = audit_rows(uid, event)
        self.assertTrue(rows, "no audit event %s" % event)
        got_ip, got_ua, got_rid, detail = rows[-1]
        if ip is not None:
            self.assertEqual(got_ip, ip, rows)
        if ua is not None:
            self.assertEqual(got_ua, ua, rows)
        if rid is not None:
            self.assertEqual(got_rid, rid, rows)
        for secret in SEEN_PASSWORDS | SEEN_EMAIL_TOKENS:
            self.assertNotIn(secret, detail)
        return rows[-1]

    def bearer_req(self, method, path, access, **kw):
        kw.setdefault("ip", self.ip)
        return request(method, path, bearer=access, **kw)

# ---------------------------------------------------------------------------


class ForgotTest(AccountCase):

    def test_known_address_gets_a_one_hour_reset_link(self):
        rid = "forgot-" + uuid.uuid4().hex[:12]
        r = forgot(self.user.email, ip=self.ip,
                   headers={"User-Agent": UA, "X-Request-Id": rid})
        self.assertEqual(self.assertJSON(r, 202),
                         {"status": "reset_requested"})
        link, tok = reset_link(self.user.email)
        u = urllib.parse.urlsplit(link)
        self.assertEqual(u.path, "/reset-password")
        self.assertEqual(u.scheme + "://" + u.netloc,
                         MAIN.rstrip("/"))
        # Stored hashed only, valid reset_ttl.
        row = sql("SELECT purpose, round(extract(epoch FROM expires_at - "
                  "created_at))::int, used_at IS NULL FROM email_tokens "
                  "WHERE token_hash = :'h'::bytea;",
                  h=token_hash_literal(tok))
        self.assertEqual(row, [["reset", str(RESET_TTL), "t"]])
        self.assertAudited(self.user.id, "password_reset_requested",
                           ip=self.ip, rid=rid)

    def test_unknown_address_gets_the_same_answer_and_no_mail(self):
        nobody = new_email("nobody")
        known = forgot(self.user.email)
        unknown = forgot(nobody)
        self.assertEqual(unknown.status, 202)
        self.assertEqual(unknown.body, known.body)
        self.assertEqual(reset_mails(nobody), 0)
        self.assertEqual(reset_mails(self.user.email), 1)

    def test_mail_goes_to_the_stored_address(self):
        r = forgot("  " + self.user.email.upper() + " ")
        self.assertStatus(r, 202)
        self.assertEqual(sql_value(
            "SELECT recipient FROM outbox WHERE template = :'t' AND "
            "lower(recipient) = lower(:'e');", t=RESET_TEMPLATE,
            e=self.user.email), self.user.email)

    def test_a_new_link_voids_the_older_one(self):
        self.assertStatus(forgot(self.user.email), 202)
        _, old = reset_link(self.user.email)
        self.assertStatus(forgot(self.user.email), 202)
        _, new = reset_link(self.user.email)
        self.assertNotEqual(old, new)
        pw = strong_password()
        remember(SEEN_PASSWORDS, pw)
        r = self.post("/auth/password/reset", {"token": old, "password": pw})
        self.assertProblem(r, 400, "invalid_token", [old, pw])
        r = self.post("/auth/password/reset", {"token": new, "password": pw})
        self.assertStatus(r, 204)

    def test_disabled_account_gets_no_mail(self):
        authctl("user", "disable", self.user.email)
        self.assertStatus(forgot(self.user.email), 202)
        self.assertEqual(reset_mails(self.user.email), 0)

    def test_invalid_or_missing_email_is_422(self):
        self.assertValidation(self.post("/auth/password/forgot", {}),
                              ["email"])
        self.assertValidation(self.post("/auth/password/forgot",
                                        {"email": "not-an-address"}),
                              ["email"])
        self.assertValidation(self.post("/auth/password/forgot",
                                        {"email": 42}), ["email"])

    def test_known_and_unknown_take_about_as_long(self):
        users = [self.user] + [create_user("acct-t") for _ in range(2)]

        def timed(email):
            t0 = time.monotonic()
            r = forgot(email)
            self.assertStatus(r, 202)
            return time.monotonic() - t0
        known = [timed(u.email) for u in users]
        unknown = [timed(new_email("nobody")) for _ in users]
        mk, mu = statistics.median(known), statistics.median(unknown)
        self.assertLess(abs(mk - mu), 0.25,
                        "median known %.4fs, unknown %.4fs" % (mk, mu))

# ---------------------------------------------------------------------------


class ResetTest(AccountCase):

    def setUp(self):
        super().setUp()
        self.assertStatus(forgot(self.user.email), 202)
        self.link, self.token = reset_link(self.user.email)
        self.new_pw = strong_password()
        remember(SEEN_PASSWORDS, self.new_pw)

    def reset(self, token, password, **kw):
        return self.post("/auth/password/reset",
                         {"token": token, "password": password}, **kw)

    def test_reset_sets_the_password_and_revokes_every_session(self):
        a = login_pair(self.user)
        b = login_pair(self.user)
        rid = "reset-" + uuid.uuid4().hex[:12]
        r = self.reset(self.token, self.new_pw,
                       headers={"User-Agent": UA, "X-Request-Id": rid})
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        for pair in (a, b):
            self.assertProblem(refresh(pair["refresh_token"]), 401,
                               "invalid_refresh_token")
        self.assertProblem(login(self.user.email, self.user.password), 401,
                           "invalid_credentials")
        self.assertEqual(login(self.user.email, self.new_pw).status, 200)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE user_id = :'u' AND "
            "revoke_reason = 'password_reset';", u=self.user.id), "2")
        _, _, _, detail = self.assertAudited(
            self.user.id, "password_reset", ip=self.ip, rid=rid)
        self.assertEqual(json.loads(detail), {"sessions_revoked": 2})

    def test_the_token_is_single_use(self):
        self.assertStatus(self.reset(self.token, self.new_pw), 204)
        other = strong_password()
        self.assertProblem(self.reset(self.token, other), 400,
                           "invalid_token", [self.token, other])
        self.assertEqual(login(self.user.email, self.new_pw).status, 200)

    def test_an_expired_token_is_refused(self):
        sql("UPDATE email_tokens SET expires_at = now() - interval '1 second'"
            ", created_at = now() - interval '1 hour 1 second' "
            "WHERE token_hash = :'h'::bytea;", h=token_hash_literal(self.token))
        self.assertProblem(self.reset(self.token, self.new_pw), 400,
                           "invalid_token")
        self.assertEqual(login(self.user.email, self.user.password).status,
                         200)

    def test_unknown_malformed_and_verify_tokens_look_alike(self):
        unknown = self.reset(secrets.token_urlsafe(32), self.new_pw)
        b = self.assertProblem(unknown, 400, "invalid_token")
        for tok in ("short", "x" * 43, self.token + "A"):
            r = self.reset(tok, self.new_pw)
            self.assertProblem(r, 400, "invalid_token")
            self.assertEqual(r.json, b)
        # A verification token is not a reset token.
        fresh = create_user("acct-v", verified=False)
        _, vtok = outbox_link(fresh.email)
        self.assertProblem(self.reset(vtok, self.new_pw), 400,
                           "invalid_token")

    def test_weak_password_is_422_and_keeps_the_token(self):
        for weak in ("short", "password123", self.user.email):
            r = self.reset(self.token, weak)
            self.assertValidation(r, ["password"], [self.token])
        self.assertStatus(self.reset(self.token, self.new_pw), 204)

    def test_missing_fields_are_422(self):
        self.assertValidation(self.post("/auth/password/reset", {}),
                              ["token", "password"])
        self.assertValidation(self.post("/auth/password/reset",
                                        {"token": self.token}),
                              ["password"])
        self.assertValidation(self.post("/auth/password/reset",
                                        {"token": self.token,
                                         "password": 7}), ["password"])

    def test_reset_verifies_the_email(self):
        u = create_user("acct-unv", verified=False)
        self.assertStatus(forgot(u.email), 202)
        _, tok = reset_link(u.email)
        self.assertStatus(self.reset(tok, self.new_pw), 204)
        self.assertEqual(login(u.email, self.new_pw).status, 200)
        self.assertEqual(sql_value(
            "SELECT (email_verified_at IS NOT NULL)::text FROM users WHERE "
            "id = :'u';", u=u.id), "true")

    def test_get_of_the_api_path_is_405(self):
        r = self.req("GET", "/auth/password/reset?token=" + self.token)
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertEqual(r.header("Allow"), "POST")
        self.assertEqual(sql_value(
            "SELECT (used_at IS NULL)::text FROM email_tokens WHERE "
            "token_hash = :'h'::bytea;", h=token_hash_literal(self.token)),
            "true")


class ResetPageTest(AccountCase):

    def setUp(self):
        super().setUp()
        self.assertStatus(forgot(self.user.email), 202)
        self.link, self.token = reset_link(self.user.email)
        self.new_pw = strong_password()
        remember(SEEN_PASSWORDS, self.new_pw)

    def page(self, token):
        # A browser: the pre-session cookie of the GET goes with the post.
        self.b = Browser(ip=self.ip)
        return self.b.get("/reset-password?token="
                          + urllib.parse.quote(token, safe=""))

    def the_form(self, r):
        forms = [f for f in parse_forms(r.text)
                 if f["attrs"].get("method", "").lower() == "post"]
        self.assertEqual(len(forms), 1, r.describe())
        return forms[0]

    def submit(self, form, password):
        action = urllib.parse.urljoin(self.link, form["attrs"].get("action")
                                      or "")
        u = urllib.parse.urlsplit(action)
        data = dict(form["inputs"])
        data["password"] = password
        return self.b.post(u.path + ("?" + u.query if u.query else ""),
                           data)

    def unused(self):
        return sql_value("SELECT (used_at IS NULL)::text FROM email_tokens "
                         "WHERE token_hash = :'h'::bytea;",
                         h=token_hash_literal(self.token))

    def test_get_shows_the_form_and_consumes_nothing(self):
        for _ in range(2):
            r = self.page(self.token)
            self.assertStatus(r, 200)
            self.assertEqual(r.media_type, "text/html", r.describe())
            self.assertNoStore(r)
            self.assertIn("default-src 'self'",
                          r.header("Content-Security-Policy") or "")
            self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
            form = self.the_form(r)
            self.assertEqual(form["inputs"].get("token"), self.token)
            self.assertIn("password", form["inputs"])
            self.assertIn('type="password"', r.text)
        self.assertEqual(self.unused(), "true")

    def test_submitting_the_form_resets(self):
        form = self.the_form(self.page(self.token))
        r = self.submit(form, self.new_pw)
        # Post/redirect/get: to the sign-in page.
        self.assertStatus(r, 303)
        self.assertEqual(r.header("Location"), "/login?done=password-reset")
        self.assertNotIn(self.token, r.header("Location"))
        self.assertEqual(self.unused(), "false")
        self.assertEqual(login(self.user.email, self.new_pw).status, 200)
        again = self.submit(form, strong_password())
        self.assertStatus(again, 400)
        self.assertEqual(again.media_type, "text/html")

    def test_weak_password_shows_the_form_again(self):
        form = self.the_form(self.page(self.token))
        r = self.submit(form, "short")
        self.assertStatus(r, 422)
        self.assertEqual(r.media_type, "text/html")
        self.assertEqual(self.the_form(r)["inputs"].get("token"), self.token)
        self.assertEqual(self.unused(), "true")

    def test_bad_links_get_a_page(self):
        for tok in ("", "nope", "<script>x</script>"):
            r = self.page(tok)
            self.assertStatus(r, 400)
            self.assertEqual(r.media_type, "text/html")
            self.assertNotIn("<script>x", r.text)
        tok = secrets.token_urlsafe(32)
        r = self.submit(self.the_form(self.page(tok)), self.new_pw)
        self.assertStatus(r, 400)
        self.assertEqual(r.media_type, "text/html")

# ---------------------------------------------------------------------------


class ChangeTest(AccountCase):

    def setUp(self):
        super().setUp()
        self.a = login_pair(self.user)
        self.b = login_pair(self.user)
        self.new_pw = strong_password()
        remember(SEEN_PASSWORDS, self.new_pw)

    def change(self, access, cur, new, **kw):
        kw.setdefault("ip", self.ip)
        return post("/auth/password/change",
                    {"current_password": cur, "new_password": new},
                    bearer=access, **kw)

    def test_change_keeps_this_session_and_revokes_the_others(self):
        rid = "change-" + uuid.uuid4().hex[:12]
        r = self.change(self.a["access_token"], self.user.password,
                        self.new_pw,
                        headers={"User-Agent": UA, "X-Request-Id": rid})
        self.assertStatus(r, 204)
        self.assertProblem(refresh(self.b["refresh_token"]), 401,
                           "invalid_refresh_token")
        self.assertTokenPair(refresh(self.a["refresh_token"]))
        self.assertProblem(login(self.user.email, self.user.password), 401,
                           "invalid_credentials")
        self.assertEqual(login(self.user.email, self.new_pw).status, 200)
        self.assertTrue(password_hash(self.user.id).startswith("$y$"))
        _, _, _, detail = self.assertAudited(
            self.user.id, "password_changed", ip=self.ip, rid=rid)
        self.assertEqual(json.loads(detail), {"sessions_revoked": 1})

    def test_wrong_current_password_is_401(self):
        before = password_hash(self.user.id)
        r = self.change(self.a["access_token"], self.user.password + "x",
                        self.new_pw)
        self.assertProblem(r, 401, "invalid_credentials",
                           [self.user.password, self.new_pw])
        self.assertEqual(password_hash(self.user.id), before)
        self.assertTokenPair(refresh(self.b["refresh_token"]))

    def test_weak_new_password_is_422(self):
        r = self.change(self.a["access_token"], self.user.password,
                        "password")
        self.assertValidation(r, ["new_password"], [self.user.password])
        self.assertEqual(login(self.user.email,
                               self.user.password).status, 200)

    def test_missing_fields_are_422(self):
        r = post("/auth/password/change", {"current_password": "x"},
                 bearer=self.a["access_token"], ip=self.ip)
        self.assertValidation(r, ["new_password"])

    def test_without_or_with_a_bad_bearer_token_is_401(self):
        r = self.change(None, self.user.password, self.new_pw)
        self.assertProblem(r, 401, "unauthorized")
        self.assertIn("Bearer", r.header("WWW-Authenticate") or "")
        r = self.change(self.a["access_token"][:-4] + "AAAA",
                        self.user.password, self.new_pw)
        self.assertProblem(r, 401, "unauthorized")
        self.assertIn('error="invalid_token"',
                      r.header("WWW-Authenticate") or "")

    def test_access_token_of_a_revoked_session_is_refused(self):
        r = self.bearer_req("POST", "/auth/logout-all", self.b["access_token"])
        self.assertStatus(r, 204)
        r = self.change(self.a["access_token"], self.user.password,
                        self.new_pw)
        self.assertProblem(r, 401, "unauthorized")
        self.assertEqual(login(self.user.email,
                               self.user.password).status, 200)

# ---------------------------------------------------------------------------


class LogoutAllTest(AccountCase):

    def test_every_session_is_revoked(self):
        pairs = [login_pair(self.user) for _ in range(3)]
        rid = "lall-" + uuid.uuid4().hex[:12]
        r = self.bearer_req("POST", "/auth/logout-all",
                            pairs[0]["access_token"],
                            headers={"User-Agent": UA, "X-Request-Id": rid})
        self.assertStatus(r, 204)
        for p in pairs:
            self.assertProblem(refresh(p["refresh_token"]), 401,
                               "invalid_refresh_token")
            # The access tokens of the revoked sessions are dead too.
            r = self.bearer_req("GET", "/auth/me", p["access_token"])
            self.assertProblem(r, 401, "unauthorized")
            self.assertIn('error="invalid_token"',
                          r.header("WWW-Authenticate") or "")
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE user_id = :'u' AND "
            "revoked_at IS NULL;", u=self.user.id), "0")
        _, _, _, detail = self.assertAudited(self.user.id, "logout_all",
                                             ip=self.ip, rid=rid)
        self.assertEqual(json.loads(detail), {"sessions_revoked": 3})

    def test_other_users_are_untouched(self):
        other = create_user("acct-o")
        theirs = login_pair(other)
        mine = login_pair(self.user)
        self.assertStatus(self.bearer_req("POST", "/auth/logout-all",
                                          mine["access_token"]), 204)
        self.assertTokenPair(refresh(theirs["refresh_token"]))

    def test_needs_a_bearer_token(self):
        r = self.req("POST", "/auth/logout-all")
        self.assertProblem(r, 401, "unauthorized")
        r = self.req("GET", "/auth/logout-all")
        self.assertProblem(r, 405, "method_not_allowed")

    def test_logout_still_reaches_logout(self):
        p = login_pair(self.user)
        r = self.post("/auth/logout", {"refresh_token": p["refresh_token"]})
        self.assertStatus(r, 204)
        self.assertProblem(refresh(p["refresh_token"]), 401,
                           "invalid_refresh_token")

# ---------------------------------------------------------------------------


class SessionsTest(AccountCase):

    def setUp(self):
        super().setUp()
        self.ip_a, self.ip_b = new_ip(), new_ip()
        self.a = post("/auth/login", {"email": self.user.email,
                                      "password": self.user.password},
                      ip=self.ip_a, headers={"User-Agent": "agent-a"}).json
        self.b = post("/auth/login", {"email": self.user.email,
                                      "password": self.user.password},
                      ip=self.ip_b, headers={"User-Agent": "agent-b"}).json
        self.sid_a = self.sid(self.a)
        self.sid_b = self.sid(self.b)

    def sid(self, pair):
        return sql_value("SELECT rt.session_id FROM refresh_tokens rt "
                         "WHERE rt.token_hash = :'h'::bytea;",
                         h=token_hash_literal(pair["refresh_token"]))

    def listing(self, pair):
        r = self.bearer_req("GET", "/auth/sessions", pair["access_token"])
        b = self.assertJSON(r, 200)
        self.assertNoStore(r)
        self.assertIsInstance(b, list)
        return b

    def test_list_shows_the_live_sessions_and_which_is_current(self):
        b = self.listing(self.a)
        self.assertEqual({s["id"] for s in b}, {self.sid_a, self.sid_b})
        for s in b:
            self.assertEqual(set(s), {"id", "created_at", "last_used_at",
                                      "expires_at", "ip", "user_agent",
                                      "current"})
            self.assertRegex(s["id"], UUID_RE)
            for k in ("created_at", "last_used_at", "expires_at"):
                self.assertRegex(s[k], RFC3339_RE)
            self.assertLess(s["created_at"], s["expires_at"])
        by_id = {s["id"]: s for s in b}
        self.assertIs(by_id[self.sid_a]["current"], True)
        self.assertIs(by_id[self.sid_b]["current"], False)
        self.assertEqual(by_id[self.sid_a]["ip"], self.ip_a)
        self.assertEqual(by_id[self.sid_b]["user_agent"], "agent-b")
        other = {s["id"]: s["current"] for s in self.listing(self.b)}
        self.assertEqual(other, {self.sid_a: False, self.sid_b: True})

    def test_revoked_sessions_and_other_users_are_not_listed(self):
        other = create_user("acct-o")
        login_pair(other)
        self.assertStatus(self.post("/auth/logout", {
            "refresh_token": self.b["refresh_token"]}), 204)
        self.assertEqual([s["id"] for s in self.listing(self.a)],
                         [self.sid_a])

    def test_delete_one_of_mine(self):
        rid = "sdel-" + uuid.uuid4().hex[:12]
        r = self.bearer_req("DELETE", "/auth/sessions/" + self.sid_b,
                            self.a["access_token"],
                            headers={"User-Agent": UA, "X-Request-Id": rid})
        self.assertStatus(r, 204)
        self.assertProblem(refresh(self.b["refresh_token"]), 401,
                           "invalid_refresh_token")
        self.assertTokenPair(refresh(self.a["refresh_token"]))
        self.assertEqual([s["id"] for s in self.listing(self.a)],
                         [self.sid_a])
        _, _, _, detail = self.assertAudited(self.user.id, "session_revoked",
                                             ip=self.ip, rid=rid)
        self.assertEqual(json.loads(detail), {"session_id": self.sid_b})
        # Gone now: a second DELETE finds nothing.
        r = self.bearer_req("DELETE", "/auth/sessions/" + self.sid_b,
                            self.a["access_token"])
        self.assertProblem(r, 404, "not_found")

    def test_someone_elses_or_unknown_is_404(self):
        other = create_user("acct-o")
        theirs = login_pair(other)
        their_sid = self.sid(theirs)
        for sid in (their_sid, str(uuid.uuid4()), "not-a-uuid",
                    their_sid.upper() + "0"):
            r = self.bearer_req("DELETE", "/auth/sessions/" + sid,
                                self.a["access_token"])
            self.assertProblem(r, 404, "not_found")
        self.assertTokenPair(refresh(theirs["refresh_token"]))

    def test_methods_and_paths(self):
        at = self.a["access_token"]
        r = self.bearer_req("DELETE", "/auth/sessions", at)
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertEqual(r.header("Allow"), "GET")
        r = self.bearer_req("GET", "/auth/sessions/" + self.sid_b, at)
        self.assertProblem(r, 405, "method_not_allowed")
        # Not below /auth/sessions: 404 from the endpoint (lighttpd routes by
        # prefix) or from the web server itself (Apache by path segment).
        r = self.bearer_req("GET", "/auth/sessionsx", at, check=False)
        self.assertEqual(r.status, 404, r.describe())
        r = self.bearer_req("POST", "/auth/sessions", at)
        self.assertProblem(r, 405, "method_not_allowed")

    def test_needs_a_bearer_token(self):
        self.assertProblem(self.req("GET", "/auth/sessions"), 401,
                           "unauthorized")
        self.assertProblem(self.req("DELETE", "/auth/sessions/"
                                    + self.sid_b), 401, "unauthorized")
        self.assertTokenPair(refresh(self.b["refresh_token"]))

# ---------------------------------------------------------------------------


def drop_legacy(email):
    """Deletes email's account if it still has a legacy hash (an imported
    user that never logged in): the at-rest check expects only yescrypt."""
    sql("DELETE FROM users WHERE lower(email) = lower(:'e') AND "
        "password_hash NOT LIKE '$y$%';", e=email)


class HashUpgradeTest(E2ETestCase):

    def new_import_email(self):
        email = new_email("imp")
        self.addCleanup(drop_legacy, email)
        return email

    def import_user(self, pw_hash, verified="true", created=""):
        email = self.new_import_email()
        p = import_csv("email,password_hash,email_verified,created_at\n"
                       '"%s",%s,%s,%s\n' % (email, pw_hash, verified,
                                            created))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("imported 1", p.stdout)
        return email

    def assert_upgrades(self, prefix, cost):
        pw = strong_password()
        remember(SEEN_PASSWORDS, pw)
        h = crypt_hash(pw, prefix, cost)
        email = self.import_user(h)
        uid = user_id(email)
        self.assertEqual(password_hash(uid), h)
        r = login(email, pw + "x")
        self.assertProblem(r, 401, "invalid_credentials")
        self.assertEqual(password_hash(uid), h)
        self.assertTokenPair(login(email, pw))
        upgraded = password_hash(uid)
        self.assertTrue(upgraded.startswith("$y$j9T$"), upgraded)
        self.assertTokenPair(login(email, pw))
        self.assertEqual(password_hash(uid), upgraded)

    def test_bcrypt_2b_user_logs_in_and_is_upgraded(self):
        self.assert_upgrades("$2b$", 4)

    def test_bcrypt_2a_and_2y_users_too(self):
        self.assert_upgrades("$2a$", 5)
        self.assert_upgrades("$2y$", 4)

    def test_older_yescrypt_parameters_are_upgraded(self):
        self.assert_upgrades("$y$", 3)

    def test_import_keeps_verified_state_and_created_at(self):
        pw = strong_password()
        remember(SEEN_PASSWORDS, pw)
        email = self.import_user(crypt_hash(pw, "$2b$", 4), "false",
                                 "2019-03-04T05:06:07Z")
        uid = user_id(email)
        self.assertProblem(login(email, pw), 403, "email_not_verified")
        self.assertEqual(sql_value(
            "SELECT to_char(created_at AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI:SS') FROM users WHERE id = :'u';", u=uid),
            "2019-03-04 05:06:07")

    def test_import_skips_existing_and_refuses_bad_files(self):
        existing = create_user("imp-x")
        pw = strong_password()
        h = crypt_hash(pw, "$2b$", 4)
        fresh = self.new_import_email()
        p = import_csv("%s,%s,true,\n%s,%s,true,\n"
                       % (existing.email.upper(), h, fresh, h))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("imported 1, skipped 1", p.stdout)
        self.assertEqual(login(existing.email, existing.password).status,
                         200)
        # One bad record: nothing imported.
        a, b = self.new_import_email(), self.new_import_email()
        for bad in ("not-a-hash", '"unterminated', "$2b$04$short,maybe"):
            p = import_csv("%s,%s,true,\n%s,%s,maybe,\n" % (a, h, b, bad))
            self.assertEqual(p.returncode, 1, p.stdout)
            self.assertIn("line 2", p.stderr)
            self.assertNotIn(h, p.stderr + p.stdout)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM users WHERE lower(email) IN "
            "(lower(:'a'), lower(:'b'));", a=a, b=b), "0")

# ---------------------------------------------------------------------------


class AuthctlUserTest(E2ETestCase):

    def test_create_show_and_login(self):
        email = new_email("ctl")
        pw = strong_password()
        remember(SEEN_PASSWORDS, pw)
        p = authctl("user", "create", email, "--verified", stdin=pw + "\n")
        self.assertRegex(p.stdout.strip(), UUID_RE)
        self.assertTokenPair(login(email, pw))
        show = authctl("user", "show", email).stdout
        self.assertIn("email: " + email, show)
        self.assertIn("email_verified: yes", show)
        self.assertIn("password_scheme: $y$j9T$", show)
        self.assertIn("live_sessions: 1", show)
        self.assertNotIn(password_hash(user_id(email)), show)
        again = authctl("user", "create", email, stdin=pw + "\n",
                        check=False)
        self.assertEqual(again.returncode, 1)
        weak = authctl("user", "create", new_email("ctl"), stdin="short\n",
                       check=False)
        self.assertEqual(weak.returncode, 1)
        self.assertIn("too short", weak.stderr)

    def test_disable_refuses_login_and_refresh_then_enable(self):
        u = create_user("ctl-d")
        pair = login_pair(u)
        authctl("user", "disable", u.email)
        self.assertProblem(login(u.email, u.password), 403,
                           "account_disabled", [u.password])
        # API.md lists only 401 for refresh: a disabled account's token is
        # refused like any other dead one.
        self.assertProblem(refresh(pair["refresh_token"]), 401,
                           "invalid_refresh_token")
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE user_id = :'u' AND "
            "revoke_reason = 'account_disabled';", u=u.id), "1")
        rows = audit_rows(u.id, "account_disabled")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][1], "authctl")
        authctl("user", "enable", u.email)
        self.assertTokenPair(login(u.email, u.password))
        self.assertProblem(refresh(pair["refresh_token"]), 401,
                           "invalid_refresh_token")

    def test_set_password_and_verify_email(self):
        u = create_user("ctl-p", verified=False)
        new_pw = strong_password()
        remember(SEEN_PASSWORDS, new_pw)
        authctl("user", "set-password", u.email, stdin=new_pw + "\n")
        self.assertProblem(login(u.email, new_pw), 403, "email_not_verified")
        authctl("user", "verify-email", u.email)
        pair = self.assertTokenPair(login(u.email, new_pw))
        self.assertProblem(login(u.email, u.password), 401,
                           "invalid_credentials")
        authctl("user", "set-password", u.email, stdin=u.password + "\n")
        self.assertProblem(refresh(pair["refresh_token"]), 401,
                           "invalid_refresh_token")
        self.assertEqual(login(u.email, u.password).status, 200)

    def test_unknown_user_and_bad_usage(self):
        p = authctl("user", "show", new_email("nobody"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no user", p.stderr)
        for args in (["user"], ["user", "frobnicate", "a@example.com"],
                     ["audit", "--since"], ["audit", "--bogus", "1"]):
            self.assertEqual(authctl(*args, check=False).returncode, 2,
                             args)
        p = authctl("audit", "--since", "yesterday-ish", check=False)
        self.assertEqual(p.returncode, 2)

# ---------------------------------------------------------------------------


class AuditTrailTest(E2ETestCase):
    """Every event of the list, with ip, user agent and request id where a
    request caused it, and never a secret."""

    EVENTS = ("signup", "email_verified", "login_succeeded", "login_failed",
              "refresh_token_reuse", "logout", "logout_all",
              "password_reset_requested", "password_reset",
              "password_changed", "session_revoked", "account_disabled")

    def hdrs(self, tag):
        return {"User-Agent": UA, "X-Request-Id": "%s-%s"
                % (tag, uuid.uuid4().hex[:10])}

    def test_every_event_is_recorded(self):
        email, pw = new_email("audit"), strong_password()
        remember(SEEN_PASSWORDS, pw)
        ip = self.ip
        post("/auth/signup", {"email": email, "password": pw}, ip=ip,
             headers=self.hdrs("signup"))
        _, vtok = outbox_link(email)
        post("/auth/verify-email", {"token": vtok}, ip=ip,
             headers=self.hdrs("verify"))
        uid = user_id(email)
        post("/auth/login", {"email": email, "password": pw + "x"}, ip=ip,
             headers=self.hdrs("fail"))
        a = post("/auth/login", {"email": email, "password": pw}, ip=ip,
                 headers=self.hdrs("login")).json
        b = post("/auth/login", {"email": email, "password": pw}, ip=ip,
                 headers=self.hdrs("login")).json
        # Reuse needs a rotated token past the leeway: ALT has none.
        c = post("/auth/login", {"email": email, "password": pw}, base=ALT,
                 ip=ip, headers=self.hdrs("login")).json
        post("/auth/refresh", {"refresh_token": c["refresh_token"]},
             base=ALT, ip=ip, headers=self.hdrs("rot"))
        post("/auth/refresh", {"refresh_token": c["refresh_token"]},
             base=ALT, ip=ip, headers=self.hdrs("reuse"))
        post("/auth/logout", {"refresh_token": b["refresh_token"]}, ip=ip,
             headers=self.hdrs("logout"))
        d = post("/auth/login", {"email": email, "password": pw}, ip=ip,
                 headers=self.hdrs("login")).json
        request("DELETE", "/auth/sessions/" + sql_value(
            "SELECT session_id FROM refresh_tokens WHERE token_hash = "
            ":'h'::bytea;", h=token_hash_literal(d["refresh_token"])),
            bearer=a["access_token"], ip=ip, headers=self.hdrs("sdel"))
        new_pw = strong_password()
        remember(SEEN_PASSWORDS, new_pw)
        post("/auth/password/change", {"current_password": pw,
                                       "new_password": new_pw},
             bearer=a["access_token"], ip=ip, headers=self.hdrs("chg"))
        request("POST", "/auth/logout-all", bearer=a["access_token"], ip=ip,
                headers=self.hdrs("lall"))
        forgot(email, ip=ip, headers=self.hdrs("forgot"))
        _, rtok = reset_link(email)
        post("/auth/password/reset", {"token": rtok, "password": pw},
             ip=ip, headers=self.hdrs("reset"))
        authctl("user", "disable", email)

        for ev in self.EVENTS:
            rows = audit_rows(uid, ev)
            self.assertTrue(rows, "no %s event" % ev)
            ev_ip, ev_ua, ev_rid, _ = rows[-1]
            if ev == "account_disabled":
                self.assertEqual(ev_ua, "authctl")
                continue
            self.assertEqual((ev_ip, ev_ua), (ip, UA), (ev, rows))
            self.assertRegex(ev_rid, r"^[a-z]+-[0-9a-f]{10}$", (ev, rows))
        dump = "\n".join("|".join(r) for r in sql(
            "SELECT coalesce(detail::text, ''), coalesce(user_agent, '') "
            "FROM audit_events WHERE user_id = :'u';", u=uid))
        for secret in (pw, new_pw, vtok, rtok, a["refresh_token"],
                       a["access_token"]):
            self.assertNotIn(secret, dump)

        out = authctl("audit", "--user", email, "--since", "1h").stdout
        lines = out.splitlines()
        self.assertEqual(lines[0].split("\t")[:2], ["at", "event"])
        printed = {ln.split("\t")[1] for ln in lines[1:]}
        self.assertLessEqual(set(self.EVENTS), printed)
        for secret in (pw, new_pw, vtok, rtok):
            self.assertNotIn(secret, out)
        self.assertEqual(authctl("audit", "--user", email, "--since",
                                 "2999-01-01").stdout.count("\n"), 1)
