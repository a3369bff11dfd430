"""What the database holds: yescrypt hashes only, and none of the refresh
tokens, email tokens or passwords the suite has seen (run after the other
tests, so that it sees everything they saw)."""

import hashlib

from helpers import (E2ETestCase, SEEN_EMAIL_TOKENS, SEEN_PASSWORDS,
                     SEEN_REFRESH, b64url_decode, create_user, login_pair,
                     new_email, outbox_link, pg_dump, refresh, signup,
                     sql_value, strong_password, remember)


class AtRestTest(E2ETestCase):

    def test_only_yescrypt_hashes(self):
        create_user("rest")
        self.assertGreater(int(sql_value("SELECT count(*) FROM users;")), 0)
        self.assertEqual(sql_value(
            "SELECT count(*) FROM users WHERE password_hash NOT LIKE '$y$%';"),
            "0")

    def test_dump_holds_no_raw_secret(self):
        # Fresh ones, so the dump is sure to hold their hashes.
        u = create_user("dump")
        pair = login_pair(u)
        r = refresh(pair["refresh_token"])
        self.assertStatus(r, 200)
        email = new_email("dump2")
        pw = strong_password()
        self.assertStatus(signup(email, pw), 202)
        remember(SEEN_PASSWORDS, pw)
        _, pending = outbox_link(email)

        dump = pg_dump()
        for tok in (pair["refresh_token"], r.json["refresh_token"], pending):
            self.assertIn(hashlib.sha256(tok.encode()).hexdigest(), dump,
                          "the dump lacks a token hash; is it complete?")
        seen = [("refresh token", t) for t in sorted(SEEN_REFRESH)] + \
            [("email token", t) for t in sorted(SEEN_EMAIL_TOKENS)]
        self.assertGreater(len(seen), 3)
        for kind, tok in seen:
            raw_hex = b64url_decode(tok).hex()
            if tok in dump or raw_hex in dump:
                self.fail("a raw %s is in the database dump" % kind)
        for pw in sorted(SEEN_PASSWORDS):
            if pw.strip() in dump:
                self.fail("a plaintext password is in the database dump")
