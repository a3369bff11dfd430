"""Roles (authctl role), the admin API under /auth/admin/ and account
deletion (DELETE /auth/me, DELETE /auth/admin/users/{id}, authctl user
delete), as docs/api.md describes them."""

import json
import time
import uuid

from helpers import (RL, Browser, E2ETestCase, create_user, jwt_parts,
                     login, login_pair, new_email, new_ip, post, refresh,
                     request, signup, sql, sql_value, strong_password)
from test_account import authctl, audit_rows
from test_browser_pages import PageCase

USERS = "/auth/admin/users"
ADMIN_SAMPLE = "/samples/admin/index.txt"


def admin_req(method, path, token, **kw):
    return request(method, path, bearer=token, **kw)


def roles_of(access_token):
    return jwt_parts(access_token)[1].get("roles")


def user_path(uid, tail=""):
    return "%s/%s%s" % (USERS, uid, tail)


def count(table, column, value):
    return int(sql_value("SELECT count(*) FROM %s WHERE %s = :'v';"
                         % (table, column), v=value))


class AdminTestCase(E2ETestCase):
    """An admin made by `authctl role grant`, and her token."""

    @classmethod
    def setUpClass(cls):
        cls.alice = create_user("alice")
        authctl("role", "grant", cls.alice.email, "admin")
        cls.alice_pair = login_pair(cls.alice)
        cls.token = cls.alice_pair["access_token"]

    def admin(self, method, path, **kw):
        return admin_req(method, path, self.token, **kw)

    def assertUser(self, o, u, disabled=False, roles=()):
        self.assertEqual(set(o), {"id", "email", "email_verified", "disabled",
                                  "created_at", "roles"}, o)
        self.assertEqual(o["id"], u.id)
        self.assertEqual(o["email"], u.email)
        self.assertIs(o["email_verified"], True)
        self.assertIs(o["disabled"], disabled)
        self.assertEqual(o["roles"], list(roles))


class AcceptanceTest(AdminTestCase):

    def test_granted_admin_lists_and_disables_and_enters_the_sample(self):
        bob = create_user("bob")
        bob_pair = login_pair(bob)
        self.assertEqual(roles_of(self.token), ["admin"])
        r = self.admin("GET", USERS + "?q=" + bob.email)
        b = self.assertJSON(r, 200)
        self.assertEqual(set(b), {"users", "next_cursor"})
        self.assertEqual(len(b["users"]), 1, r.describe())
        self.assertUser(b["users"][0], bob)
        self.assertIsNone(b["next_cursor"])

        self.assertStatus(self.admin("POST", user_path(bob.id, "/disable")),
                          204)
        self.assertProblem(refresh(bob_pair["refresh_token"]), 401,
                           "invalid_refresh_token")
        self.assertProblem(request("GET", "/auth/me",
                                   bearer=bob_pair["access_token"]), 401,
                           "unauthorized")
        self.assertProblem(login(bob.email, bob.password), 403,
                           "account_disabled", [bob.password])
        self.assertUser(self.assertJSON(self.admin("GET", user_path(bob.id)),
                                        200), bob, disabled=True)
        self.assertEqual(count("sessions", "user_id", bob.id), 1)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE user_id = :'u' AND "
            "revoke_reason = 'account_disabled';", u=bob.id), "1")

        r = request("GET", ADMIN_SAMPLE, bearer=self.token, check=False)
        self.assertEqual(r.status, 200, r.describe())
        self.assertIn(b"admin", r.body)

        self.assertStatus(self.admin("POST", user_path(bob.id, "/enable")),
                          204)
        self.assertTokenPair(login(bob.email, bob.password))


class RolesTest(AdminTestCase):

    def test_grant_reaches_the_claim_at_the_next_refresh(self):
        u = create_user("role")
        pair = login_pair(u)
        self.assertEqual(roles_of(pair["access_token"]), [])
        p = authctl("role", "grant", u.email, "editor")
        self.assertIn("editor", p.stdout)
        # authctl is the same flow as the API; role list shows it.
        self.assertEqual(authctl("role", "list", u.email).stdout,
                         "%s\teditor\n" % u.email)
        r = refresh(pair["refresh_token"])
        pair = self.assertTokenPair(r)
        self.assertEqual(roles_of(pair["access_token"]), ["editor"])
        rows = audit_rows(u.id, "role_granted")
        self.assertEqual(len(rows), 1)
        self.assertEqual(json.loads(rows[0][3]),
                         {"role": "editor", "by": "authctl"})
        self.assertEqual(rows[0][1], "authctl")

        authctl("role", "revoke", u.email, "editor")
        pair = self.assertTokenPair(refresh(pair["refresh_token"]))
        self.assertEqual(roles_of(pair["access_token"]), [])
        self.assertEqual(authctl("role", "list", u.email).stdout, "")
        self.assertEqual(len(audit_rows(u.id, "role_revoked")), 1)

    def test_granting_twice_writes_one_event(self):
        u = create_user("role2")
        authctl("role", "grant", u.email, "ops")
        authctl("role", "grant", u.email, "ops")
        self.assertEqual(len(audit_rows(u.id, "role_granted")), 1)
        listed = authctl("role", "list").stdout.splitlines()
        self.assertIn("%s\tops" % u.email, listed)

    def test_revoking_admin_revokes_the_sessions(self):
        u = create_user("role-adm")
        authctl("role", "grant", u.email, "admin")
        pair = login_pair(u)
        self.assertEqual(roles_of(pair["access_token"]), ["admin"])
        p = authctl("role", "revoke", u.email, "admin")
        self.assertIn("sessions are revoked", p.stdout)
        self.assertProblem(refresh(pair["refresh_token"]), 401,
                           "invalid_refresh_token")
        self.assertProblem(admin_req("GET", USERS, pair["access_token"]),
                           401, "unauthorized")
        self.assertEqual(sql_value(
            "SELECT count(*) FROM sessions WHERE user_id = :'u' AND "
            "revoke_reason = 'role_revoked';", u=u.id), "1")
        # Another role leaves the sessions alone.
        authctl("role", "grant", u.email, "editor")
        pair = login_pair(u)
        authctl("role", "revoke", u.email, "editor")
        self.assertTokenPair(refresh(pair["refresh_token"]))

    def test_role_names_as_the_schema_checks_them(self):
        u = create_user("role-bad")
        for bad in ("Admin", "1admin", "a" * 33, "a b", "ad*min", ""):
            p = authctl("role", "grant", u.email, bad, check=False)
            self.assertEqual(p.returncode, 2, (bad, p.stderr))
        self.assertEqual(count("user_roles", "user_id", u.id), 0)
        for good in ("a", "a" * 32, "ops:read", "x_y-z9"):
            authctl("role", "grant", u.email, good)
        self.assertEqual(count("user_roles", "user_id", u.id), 4)

    def test_usage_and_unknown_user(self):
        self.assertEqual(authctl("role", "grant", "x@example.com",
                                 check=False).returncode, 2)
        self.assertEqual(authctl("role", "list", "a@example.com", "b",
                                 check=False).returncode, 2)
        p = authctl("role", "grant", new_email("none"), "ops", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no user", p.stderr)
        help_ = authctl("role", "--help")
        self.assertIn("authctl role grant EMAIL ROLE", help_.stdout)
        self.assertIn("authctl role list [EMAIL]", help_.stdout)

    def test_api_grant_and_revoke(self):
        u = create_user("role-api")
        pair = login_pair(u)
        path = user_path(u.id, "/roles/support")
        self.assertStatus(self.admin("PUT", path), 204)
        self.assertStatus(self.admin("PUT", path), 204)
        pair = self.assertTokenPair(refresh(pair["refresh_token"]))
        self.assertEqual(roles_of(pair["access_token"]), ["support"])
        rows = audit_rows(u.id, "role_granted")
        self.assertEqual(len(rows), 1)
        self.assertEqual(json.loads(rows[0][3]),
                         {"role": "support", "admin_id": self.alice.id})
        self.assertStatus(self.admin("DELETE", path), 204)
        self.assertStatus(self.admin("DELETE", path), 204)
        pair = self.assertTokenPair(refresh(pair["refresh_token"]))
        self.assertEqual(roles_of(pair["access_token"]), [])
        self.assertValidation(self.admin("PUT", user_path(u.id,
                                                          "/roles/Bad")),
                              ["role"])
        self.assertValidation(self.admin("PUT", user_path(u.id, "/roles/" +
                                                          "a" * 33)),
                              ["role"])


class AdminApiTest(AdminTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carol = create_user("carol")
        cls.carol_token = login_pair(cls.carol)["access_token"]

    def every_route(self, uid):
        return [("GET", USERS), ("GET", user_path(uid)),
                ("POST", user_path(uid, "/disable")),
                ("POST", user_path(uid, "/enable")),
                ("DELETE", user_path(uid, "/sessions")),
                ("PUT", user_path(uid, "/roles/ops")),
                ("DELETE", user_path(uid, "/roles/ops")),
                ("DELETE", user_path(uid))]

    def test_a_token_without_the_role_is_403(self):
        for method, path in self.every_route(self.carol.id):
            self.assertProblem(admin_req(method, path, self.carol_token), 403,
                               "forbidden")
        # Nothing happened to her.
        self.assertTokenPair(login(self.carol.email, self.carol.password))

    def test_no_or_a_bad_token_is_401(self):
        for method, path in self.every_route(self.carol.id):
            r = request(method, path)
            self.assertProblem(r, 401, "unauthorized")
            self.assertTrue(r.header("WWW-Authenticate").startswith("Bearer"))
            self.assertProblem(admin_req(method, path, "x.y.z"), 401,
                               "unauthorized")

    def test_unknown_and_malformed_ids_are_404(self):
        for uid in (str(uuid.uuid4()), "not-a-uuid",
                    self.carol.id.upper(), self.carol.id + "0"):
            for method, path in self.every_route(uid)[1:]:
                self.assertProblem(self.admin(method, path), 404,
                                   "not_found")
        for path in (USERS + "/", USERS + "/%s/nope" % self.carol.id,
                     USERS + "/%s/roles" % self.carol.id,
                     USERS + "/%s/roles/ops/x" % self.carol.id,
                     "/auth/admin", "/auth/admin/other"):
            self.assertProblem(self.admin("GET", path), 404, "not_found")

    def test_wrong_method_is_405(self):
        r = self.admin("GET", user_path(self.carol.id, "/disable"))
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertEqual(r.header("Allow"), "POST")
        r = self.admin("POST", user_path(self.carol.id))
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertEqual(r.header("Allow"), "GET, DELETE")

    def test_show(self):
        r = self.admin("GET", user_path(self.alice.id))
        self.assertUser(self.assertJSON(r, 200), self.alice, roles=["admin"])
        self.assertNoStore(r)
        rows = audit_rows(self.alice.id, "admin_user_viewed")
        self.assertTrue(rows)
        self.assertEqual(json.loads(rows[-1][3]),
                         {"admin_id": self.alice.id})

    def test_pages_newest_first_with_an_opaque_cursor(self):
        tag = "pg%s" % uuid.uuid4().hex[:8]
        made = [create_user(email="e2e.%s.%d@example.com" % (tag, i))
                for i in range(5)]
        q = "?q=E2E.%s&limit=2" % tag.upper()
        seen, cursor, pages = [], None, 0
        while True:
            r = self.admin("GET", USERS + q +
                           ("&cursor=" + cursor if cursor else ""))
            b = self.assertJSON(r, 200)
            pages += 1
            seen += [u["id"] for u in b["users"]]
            cursor = b["next_cursor"]
            if cursor is None:
                break
            self.assertLessEqual(len(cursor), 160)
            self.assertRegex(cursor, r"^[A-Za-z0-9_-]+$")
            self.assertNotIn(tag, cursor)
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [u.id for u in reversed(made)])
        rows = audit_rows(self.alice.id, "admin_users_listed")
        self.assertEqual(json.loads(rows[-1][3]), {"admin_id": self.alice.id})

    def test_a_bad_cursor_is_400(self):
        tag = "cur%s" % uuid.uuid4().hex[:8]
        for i in range(2):
            create_user(email="e2e.%s.%d@example.com" % (tag, i))
        b = self.assertJSON(self.admin("GET", USERS + "?limit=1&q=e2e." + tag),
                            200)
        good = b["next_cursor"]
        flipped = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
        for bad in (flipped, "x", "A" * 40, good[:20], good + "AA", "",
                    "%2B%2B", "a" * 300):
            r = self.admin("GET", USERS + "?cursor=" + bad)
            self.assertProblem(r, 400, "invalid_cursor")
        self.assertJSON(self.admin("GET", USERS + "?cursor=" + good), 200)

    def test_limit_and_q_are_bounded(self):
        for lim in ("0", "101", "-1", "abc", "1e2", ""):
            self.assertValidation(self.admin("GET", USERS + "?limit=" + lim),
                                  ["limit"])
        self.assertValidation(self.admin("GET", USERS + "?q=" + "a" * 255),
                              ["q"])
        b = self.assertJSON(self.admin("GET", USERS + "?limit=100"), 200)
        self.assertLessEqual(len(b["users"]), 100)
        b = self.assertJSON(self.admin("GET", USERS + "?limit=1&q="), 200)
        self.assertEqual(len(b["users"]), 1)

    def test_like_metacharacters_match_themselves(self):
        tag = uuid.uuid4().hex[:8]
        under = create_user(email="e2e_%s@example.com" % tag)
        other = create_user(email="e2eX%s@example.com" % tag)
        b = self.assertJSON(self.admin("GET", USERS + "?q=e2e_" + tag), 200)
        self.assertEqual([u["id"] for u in b["users"]], [under.id])
        b = self.assertJSON(self.admin("GET", USERS + "?q=e2e%25" + tag), 200)
        self.assertEqual(b["users"], [])
        b = self.assertJSON(self.admin("GET", USERS + "?q=e2ex" + tag), 200)
        self.assertEqual([u["id"] for u in b["users"]], [other.id])
        b = self.assertJSON(self.admin("GET", USERS + "?q=%5C"), 200)
        self.assertEqual(b["users"], [])

    def test_search_uses_the_prefix_index(self):
        plan = "\n".join(r[0] for r in sql(
            "SET enable_seqscan = off; EXPLAIN SELECT id FROM users "
            "WHERE email_key LIKE 'e2e.abc%';"))
        self.assertIn("Index", plan)
        self.assertNotIn("Seq Scan", plan)

    def test_sessions_delete_revokes_them_all(self):
        u = create_user("sess")
        pairs = [login_pair(u) for _ in range(2)]
        self.assertStatus(self.admin("DELETE", user_path(u.id, "/sessions")),
                          204)
        for p in pairs:
            self.assertProblem(refresh(p["refresh_token"]), 401,
                               "invalid_refresh_token")
        rows = audit_rows(u.id, "sessions_revoked_by_admin")
        self.assertEqual(json.loads(rows[0][3]),
                         {"admin_id": self.alice.id, "sessions_revoked": 2})

    def test_disable_is_audited_with_the_admin(self):
        u = create_user("dis")
        login_pair(u)
        self.assertStatus(self.admin("POST", user_path(u.id, "/disable")), 204)
        rows = audit_rows(u.id, "account_disabled")
        self.assertEqual(json.loads(rows[0][3]),
                         {"admin_id": self.alice.id, "sessions_revoked": 1})
        self.assertStatus(self.admin("POST", user_path(u.id, "/enable")), 204)
        rows = audit_rows(u.id, "account_enabled")
        self.assertEqual(json.loads(rows[0][3]), {"admin_id": self.alice.id})

    def test_rate_limited_per_address(self):
        # admin_ip: 120 a minute, counted before the token is looked at.
        ip = new_ip()
        statuses = [request("GET", USERS, ip=ip).status for _ in range(120)]
        self.assertEqual(statuses, [401] * 120)
        for _ in range(10):
            r = request("GET", USERS, ip=ip, bearer=self.token)
            if r.status != 200:
                break
        self.assertProblem(r, 429, "rate_limited")
        self.assertTrue(r.header("Retry-After"))


class DeletionTest(AdminTestCase):
    """Every way of deleting an account removes the same rows."""

    def user_with_everything(self, tag):
        u = create_user(tag)
        pair = login_pair(u)
        authctl("role", "grant", u.email, "ops")
        post("/auth/password/forgot", {"email": u.email})
        return u, pair

    def assertGone(self, u, pair):
        for table in ("users", "user_roles", "sessions", "email_tokens"):
            col = "id" if table == "users" else "user_id"
            self.assertEqual(count(table, col, u.id), 0, table)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM refresh_tokens t JOIN sessions s ON "
            "s.id = t.session_id WHERE s.user_id = :'u';", u=u.id), "0")
        self.assertEqual(sql_value(
            "SELECT count(*) FROM outbox WHERE lower(recipient) = "
            "lower(:'e');", e=u.email), "0")
        self.assertProblem(refresh(pair["refresh_token"]), 401,
                           "invalid_refresh_token")
        self.assertProblem(request("GET", "/auth/me",
                                   bearer=pair["access_token"]), 401,
                           "unauthorized")
        # The audit trail keeps the id and the events, and no address.
        events = [r[0] for r in sql(
            "SELECT event FROM audit_events WHERE user_id = :'u' "
            "ORDER BY id;", u=u.id)]
        self.assertIn("signup", events)
        self.assertEqual(events[-1], "account_deleted")
        dump = sql_value("SELECT coalesce(string_agg(a::text, ' '), '') FROM "
                         "audit_events a WHERE user_id = :'u';", u=u.id)
        self.assertNotIn(u.email.lower(), dump.lower())
        self.assertNotIn(u.email.split("@")[0].lower(), dump.lower())
        # The address is free again.
        pw = strong_password()
        self.assertStatus(signup(u.email, pw), 202)
        self.assertNotEqual(sql_value(
            "SELECT id FROM users WHERE email_key = lower(:'e');",
            e=u.email), u.id)

    def test_admin_delete(self):
        u, pair = self.user_with_everything("del-adm")
        self.assertStatus(self.admin("DELETE", user_path(u.id)), 204)
        self.assertProblem(self.admin("DELETE", user_path(u.id)), 404,
                           "not_found")
        self.assertProblem(self.admin("GET", user_path(u.id)), 404,
                           "not_found")
        rows = audit_rows(u.id, "account_deleted")
        self.assertEqual(json.loads(rows[0][3]), {"admin_id": self.alice.id})
        self.assertGone(u, pair)

    def test_authctl_delete(self):
        u, pair = self.user_with_everything("del-ctl")
        p = authctl("user", "delete", u.email)
        self.assertIn("deleted", p.stdout)
        self.assertEqual(json.loads(audit_rows(u.id, "account_deleted")[0][3]),
                         {"by": "authctl"})
        self.assertGone(u, pair)
        p = authctl("user", "delete", u.email + ".none", check=False)
        self.assertEqual(p.returncode, 1)

    def test_owner_delete(self):
        u, pair = self.user_with_everything("del-me")
        ip = new_ip()
        r = request("DELETE", "/auth/me", bearer=pair["access_token"],
                    json_body={"password": u.password + "x"}, ip=ip)
        self.assertProblem(r, 401, "invalid_credentials", [u.password])
        self.assertEqual(count("users", "id", u.id), 1)
        self.assertValidation(request("DELETE", "/auth/me",
                                      bearer=pair["access_token"],
                                      json_body={}), ["password"])
        self.assertProblem(request("DELETE", "/auth/me",
                                   json_body={"password": u.password}),
                           401, "unauthorized")
        r = request("DELETE", "/auth/me", bearer=pair["access_token"],
                    json_body={"password": u.password}, ip=ip)
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertEqual(json.loads(audit_rows(u.id, "account_deleted")[0][3]),
                         {"by": "owner"})
        self.assertGone(u, pair)

    def test_owner_guesses_share_the_login_budget(self):
        # The instance with the default login limits (login_ip 5 / 30 s
        # there, and the account's login delay).
        u = create_user("del-rl")
        pair = login_pair(u, base=RL)
        ip = new_ip()
        for _ in range(5):
            r = request("DELETE", "/auth/me", bearer=pair["access_token"],
                        json_body={"password": "wrong-" + u.password}, ip=ip,
                        base=RL)
            self.assertProblem(r, 401, "invalid_credentials")
        r = request("DELETE", "/auth/me", bearer=pair["access_token"],
                    json_body={"password": u.password}, ip=ip, base=RL)
        self.assertProblem(r, 429, "rate_limited")
        self.assertTrue(r.header("Retry-After"))
        self.assertEqual(count("users", "id", u.id), 1)
        self.assertEqual(len(audit_rows(u.id, "login_failed")), 5)
        # GET /auth/me is not counted.
        for _ in range(6):
            self.assertJSON(request("GET", "/auth/me", base=RL,
                                    bearer=pair["access_token"], ip=ip), 200)
        # From another address, once the delay is over, it goes through.
        for _ in range(30):
            r = request("DELETE", "/auth/me", bearer=pair["access_token"],
                        json_body={"password": u.password}, base=RL)
            if r.status != 429:
                break
            time.sleep(0.5)
        self.assertStatus(r, 204)

    def test_a_failure_midway_rolls_everything_back(self):
        u, pair = self.user_with_everything("del-fail")
        outbox = sql_value("SELECT count(*) FROM outbox WHERE "
                           "lower(recipient) = lower(:'e');", e=u.email)
        self.assertNotEqual(outbox, "0")
        fn = "e2e_refuse_%s" % uuid.uuid4().hex[:8]
        sql("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF OLD.id = '%s' THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN OLD; END $$; CREATE TRIGGER %s BEFORE DELETE ON users "
            "FOR EACH ROW EXECUTE FUNCTION %s();" % (fn, u.id, fn, fn))
        try:
            self.assertProblem(self.admin("DELETE", user_path(u.id),
                                          check=False), 500, "internal_error")
            p = authctl("user", "delete", u.email, check=False)
            self.assertEqual(p.returncode, 1)
        finally:
            sql("DROP TRIGGER %s ON users; DROP FUNCTION %s();" % (fn, fn))
        self.assertEqual(count("users", "id", u.id), 1)
        self.assertEqual(sql_value("SELECT count(*) FROM outbox WHERE "
                                   "lower(recipient) = lower(:'e');",
                                   e=u.email), outbox)
        self.assertEqual(audit_rows(u.id, "account_deleted"), [])
        self.assertTokenPair(refresh(pair["refresh_token"]))


class DeleteFormTest(PageCase):
    """The account page's delete form: the password confirms it, under
    the CSRF rule of the other account forms."""

    def test_delete_from_the_account_page(self):
        u = create_user("del-page")
        b = Browser()
        b.sign_in(u)
        page = self.assertPage(b.get("/account"), 200)
        form = b.form(page, "delete-account")
        self.assertEqual(form["attrs"]["action"], "/account/delete")
        self.assertIn("csrf_token", form["inputs"])
        r = b.submit(page, "delete-account", {"password": "wrong-" +
                                              u.password})
        self.assertPage(r, 401)
        self.assertIn('aria-describedby="delete_password-error"', r.text)
        r = b.submit(page, "delete-account", {"password": ""})
        self.assertPage(r, 422)
        # Without the CSRF token, or from another origin: refused.
        data = dict(form["inputs"], password=u.password)
        no_token = {k: v for k, v in data.items() if k != "csrf_token"}
        self.assertEqual(b.post("/account/delete", no_token).status, 403)
        self.assertEqual(b.post("/account/delete", data,
                                origin="https://evil.example").status, 403)
        self.assertEqual(count("users", "id", u.id), 1)
        r = b.submit(page, "delete-account", {"password": u.password})
        self.assertRedirect(r, "/login?done=account-deleted")
        self.assertEqual(r.header("Clear-Site-Data"), '"cookies"')
        self.assertEqual(count("users", "id", u.id), 0)
        self.assertIn("account is deleted", self.assertPage(
            b.get(r.header("Location")), 200).text)
        self.assertRedirect(b.get("/account"), "/login?next=/account")
