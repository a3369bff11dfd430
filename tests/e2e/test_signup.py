"""POST /auth/signup: conceal (main) and reveal (alt) modes, weak passwords,
invalid emails, concurrency, notices to existing owners."""

import concurrent.futures
import datetime
import random
import urllib.parse
import uuid

from helpers import (ALT, E2ETestCase, RFC3339_RE, UUID_RE, config_value,
                     create_user, new_email, new_ip, outbox_link, signup,
                     sql, sql_value, strong_password, SEEN_PASSWORDS,
                     remember)


def outbox_rows(email):
    """(recipient, template) of every outbox row for email, oldest first."""
    return [tuple(r) for r in sql(
        "SELECT recipient, template FROM outbox "
        "WHERE lower(recipient) = lower(:'e') ORDER BY id;", e=email)]


def user_count(email):
    return int(sql_value("SELECT count(*) FROM users "
                         "WHERE lower(email) = lower(:'e');", e=email.strip()))


class SignupConcealTest(E2ETestCase):

    def test_new_address_is_202_and_stored_trimmed(self):
        email = new_email("New").replace("e2e.", "E2E.Mixed.")
        pw = strong_password()
        r = self.post("/auth/signup", {"email": "  " + email + "\t ",
                                       "password": pw})
        self.assertEqual(self.assertJSON(r, 202),
                         {"status": "verification_sent", "email": email})
        self.assertNotIn(pw, r.text)
        remember(SEEN_PASSWORDS, pw)
        rows = sql("SELECT email, (email_verified_at IS NULL)::text, "
                   "(disabled_at IS NULL)::text FROM users "
                   "WHERE lower(email) = lower(:'e');", e=email)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0].lower(), email.lower())
        self.assertEqual(rows[0][1:], ["true", "true"])
        self.assertEqual(len(outbox_rows(email)), 1)

    def test_existing_address_answers_exactly_like_a_new_one(self):
        email = new_email("Exist")
        pw = strong_password()
        r1 = self.post("/auth/signup", {"email": email, "password": pw})
        self.assertStatus(r1, 202)
        remember(SEEN_PASSWORDS, pw)
        hash1 = sql_value("SELECT password_hash FROM users "
                          "WHERE lower(email) = lower(:'e');", e=email)
        pw2 = strong_password()
        r2 = self.post("/auth/signup", {"email": email, "password": pw2})
        self.assertStatus(r2, 202)
        self.assertEqual(r2.body, r1.body)
        self.assertEqual(r2.header("Content-Type"), r1.header("Content-Type"))
        for variant in (email.upper(), email.swapcase(),
                        " " + email.capitalize() + " "):
            with self.subTest(variant=variant):
                r = self.post("/auth/signup",
                              {"email": variant, "password": pw2})
                self.assertEqual(self.assertJSON(r, 202), {
                    "status": "verification_sent",
                    "email": variant.strip()})
                self.assertEqual(r.header("Content-Type"),
                                 r1.header("Content-Type"))
        self.assertEqual(user_count(email), 1)
        # The existing account's password is not touched.
        self.assertEqual(sql_value(
            "SELECT password_hash FROM users WHERE lower(email) = lower(:'e');",
            e=email), hash1)

    def test_existing_owner_gets_a_notice_at_the_stored_address(self):
        u = create_user("Notice")
        before = outbox_rows(u.email)
        self.assertEqual(len(before), 1, before)
        verify_template = before[0][1]
        r = self.post("/auth/signup", {"email": "  " + u.email.upper(),
                                       "password": strong_password()})
        self.assertStatus(r, 202)
        after = outbox_rows(u.email)
        self.assertEqual(len(after), 2, after)
        recipient, template = after[-1]
        self.assertNotEqual(template, verify_template)
        # Mail goes to the address on the account, not the one typed.
        self.assertEqual(recipient, u.email)

    def test_weak_passwords_are_422(self):
        local = "zq" + uuid.uuid4().hex[:10]
        email = local + "@example.com"
        cases = {
            "seven characters": "Zq8#vL2",
            "common": "password123",
            "common word": "password",
            "digits": "12345678",
            "contains the local part": "Tq9#" + local + "#Lp",
        }
        for name, pw in cases.items():
            with self.subTest(name):
                r = self.post("/auth/signup", {"email": email,
                                               "password": pw})
                # (Only a password that is no English word can be looked
                # for in the answer: "password" is a field name.)
                b = self.assertValidation(r, ["password"],
                                          [pw] if "#" in pw else [])
                self.assertNotIn("email", b["errors"])
        self.assertEqual(user_count(email), 0)

    def test_guessable_passwords_are_422_at_every_length(self):
        # What password spraying tries first, the site's and the address's
        # own words, and weak repeats past cracklib's 255 bytes.
        email = "u%s@zorblatt.example" % uuid.uuid4().hex[:8]
        cases = ["P@ssw0rd", "Passw0rd!", "Password123!", "P@ssword1",
                 "Summer2024!", "passwordpassword", "1qaz2wsx3edc",
                 "x" * 256, "12345678" * 32, "Password123!" * 85,
                 "Zorblatt#79"]
        for pw in cases:
            with self.subTest(pw=pw[:24]):
                r = self.post("/auth/signup", {"email": email,
                                               "password": pw})
                b = self.assertValidation(r, ["password"])
                self.assertEqual(b["errors"]["password"],
                                 "too easy to guess")
        self.assertEqual(user_count(email), 0)
        # The same password is fine for an address without that word.
        r = self.post("/auth/signup", {"email": new_email("zb"),
                                       "password": "Zorblatt#79"})
        self.assertStatus(r, 202)

    def test_eight_characters_and_unicode_are_enough(self):
        for pw in ("Zq8#vL2m", "Grüße ☃ 𝄞 Ωμέγα-7k2q"):
            with self.subTest(pw=pw):
                r = self.post("/auth/signup", {"email": new_email("ok8"),
                                               "password": pw})
                self.assertStatus(r, 202)

    def test_invalid_emails_are_422(self):
        for e in ("plainaddress", "@example.com", "user@", "user@@example.com",
                  "us er@example.com", "user@exa mple.com", "", "   ",
                  "user@example.com\r\nBcc: victim@example.com",
                  "user@example.com\nX: y", "<user@example.com>",
                  "user@example.com,other@example.com"):
            with self.subTest(email=e):
                r = self.post("/auth/signup",
                              {"email": e, "password": strong_password()})
                b = self.assertValidation(r, ["email"])
                self.assertNotIn("password", b["errors"])
                if e.strip():
                    self.assertEqual(user_count(e), 0)

    def test_50_concurrent_signups_in_different_cases(self):
        base = new_email("race")
        rnd = random.Random(base)
        variants = {base, base.upper()}
        while len(variants) < 50:
            variants.add("".join(c.upper() if rnd.random() < 0.5 else c
                                 for c in base))
        pw = strong_password()

        def one(v):
            return signup(v, pw, ip=new_ip())

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as ex:
            answers = list(ex.map(one, sorted(variants)))
        for r in answers:
            self.assertEqual(self.assertJSON(r, 202)["status"],
                             "verification_sent")
        self.assertEqual(user_count(base), 1)

    def test_links_ignore_host_and_forwarded_host(self):
        email = new_email("host")
        r = self.post("/auth/signup",
                      {"email": email, "password": strong_password()},
                      headers={"Host": "evil.example",
                               "X-Forwarded-Host": "evil.example"})
        self.assertStatus(r, 202)
        link, tok = outbox_link(email)
        self.assertNotIn("evil.example", link)
        pub = config_value("public_url")
        if pub:
            self.assertEqual(link, pub.rstrip("/") + "/verify-email?token="
                             + tok)
        self.assertEqual(urllib.parse.urlsplit(link).path, "/verify-email")


class SignupRevealTest(E2ETestCase):
    """The ALT instance runs with signup_existing = reveal."""

    def test_201_then_409(self):
        email = new_email("Reveal")
        r = self.post("/auth/signup",
                      {"email": " " + email + " ",
                       "password": strong_password()}, base=ALT)
        b = self.assertJSON(r, 201)
        self.assertEqual(set(b), {"id", "email", "email_verified",
                                  "created_at"}, r.describe())
        self.assertRegex(b["id"], UUID_RE)
        self.assertEqual(b["id"][14], "4", "not a v4 UUID")
        self.assertEqual(b["id"], sql_value(
            "SELECT id FROM users WHERE lower(email) = lower(:'e');",
            e=email))
        self.assertEqual(b["email"], email)
        self.assertIs(b["email_verified"], False)
        self.assertRegex(b["created_at"], RFC3339_RE)
        created = datetime.datetime.fromisoformat(
            b["created_at"].replace("Z", "+00:00"))
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - created).total_seconds()), 300)

        for variant in (email.upper(), email.swapcase()):
            with self.subTest(variant=variant):
                pw = strong_password()
                r = self.post("/auth/signup",
                              {"email": variant, "password": pw}, base=ALT)
                self.assertProblem(r, 409, "email_taken", [pw])
        self.assertEqual(user_count(email), 1)

    def test_weak_password_is_still_422(self):
        r = self.post("/auth/signup", {"email": new_email("rw"),
                                       "password": "password123"}, base=ALT)
        self.assertValidation(r, ["password"])
