"""POST /auth/logout: 204, revokes the whole family, 204 for unknown tokens."""

import secrets

from helpers import (E2ETestCase, create_user, jwt_parts, login_pair,
                     refresh, sql_value)


class LogoutTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("logout")

    def setUp(self):
        super().setUp()
        self.pair = login_pair(self.user, ip=self.ip)
        self.r1 = self.pair["refresh_token"]
        self.sid = jwt_parts(self.pair["access_token"])[1]["sid"]

    def logout(self, token):
        return self.post("/auth/logout", {"refresh_token": token})

    def assertLoggedOut(self, r):
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")

    def assertDead(self, token):
        r = refresh(token, ip=self.ip)
        self.assertProblem(r, 401, "invalid_refresh_token", [token])

    def session_revoked(self):
        return sql_value("SELECT (revoked_at IS NOT NULL)::text FROM sessions "
                         "WHERE id = :'s';", s=self.sid)

    def test_logout(self):
        self.assertLoggedOut(self.logout(self.r1))
        self.assertDead(self.r1)
        self.assertEqual(self.session_revoked(), "true")
        # Logging out again is harmless.
        self.assertLoggedOut(self.logout(self.r1))

    def test_unknown_token_is_204(self):
        self.assertLoggedOut(self.logout(secrets.token_urlsafe(32)))
        self.assertEqual(self.session_revoked(), "false")

    def test_logout_with_newest_revokes_older_within_leeway(self):
        r = refresh(self.r1, ip=self.ip)
        self.assertStatus(r, 200)
        r2 = r.json["refresh_token"]
        self.assertLoggedOut(self.logout(r2))
        self.assertDead(r2)
        self.assertDead(self.r1)
        self.assertEqual(self.session_revoked(), "true")

    def test_logout_with_older_revokes_newest(self):
        r = refresh(self.r1, ip=self.ip)
        self.assertStatus(r, 200)
        r2 = r.json["refresh_token"]
        self.assertLoggedOut(self.logout(self.r1))
        self.assertDead(r2)

    def test_other_sessions_are_untouched(self):
        other = login_pair(self.user, ip=self.ip)
        self.assertLoggedOut(self.logout(self.r1))
        r = refresh(other["refresh_token"], ip=self.ip)
        self.assertTokenPair(r, full=False)

    def test_form_encoded_logout(self):
        r = self.req("POST", "/auth/logout", form={"refresh_token": self.r1})
        self.assertLoggedOut(r)
        self.assertDead(self.r1)
