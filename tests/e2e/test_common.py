"""Common rules of API.md: body limits, media types, malformed bodies,
validation, 405 with Allow, X-Request-Id, nosniff, problem documents."""

import json
import secrets
import uuid

from helpers import (E2ETestCase, MAIN, MAX_BODY, REQUEST_ID_RE, create_user,
                     new_email, raw_exchange, request, strong_password,
                     sql_value)


def padded_body(size):
    """A JSON login body of exactly size bytes."""
    pre = b'{"email":"nobody@example.com","password":"'
    post = b'"}'
    return pre + b"a" * (size - len(pre) - len(post)) + post


class BodyLimitTest(E2ETestCase):

    def test_one_byte_over_the_limit_is_413(self):
        body = padded_body(MAX_BODY + 1)
        self.assertEqual(len(body), 16385)
        r = self.req("POST", "/auth/login", body=body,
                     ctype="application/json")
        self.assertProblem(r, 413, "payload_too_large")

    def test_body_at_the_limit_is_read(self):
        pre = b'{"email":"%s","password":"' % new_email("lim").encode()
        post = b'"}'
        body = pre + b"b" * (MAX_BODY - len(pre) - len(post)) + post
        self.assertEqual(len(body), MAX_BODY)
        r = self.req("POST", "/auth/signup", body=body,
                     ctype="application/json")
        b = self.assertValidation(r, ["password"])
        self.assertNotIn("email", b["errors"])

    def test_413_is_decided_from_the_declared_length(self):
        # Declares 1 MiB, sends 1 KiB and waits: a server that reads no
        # further than its limit answers at once. (Far over the limit the web
        # server itself may answer, so only the status is checked here.)
        u = MAIN.split("://", 1)[1]
        head = ("POST /auth/login HTTP/1.1\r\nHost: %s\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: 1048576\r\nX-Forwarded-For: %s\r\n"
                "Connection: close\r\n\r\n" % (u, self.ip)).encode()
        status, headers, body = raw_exchange(MAIN, head, b"{" + b" " * 1023,
                                             timeout=10)
        self.assertEqual(status, 413, (headers, body))


class MediaTypeTest(E2ETestCase):
    BODY = b'{"email":"nobody@example.com","password":"Secret-123x"}'

    def test_text_plain_is_415(self):
        r = self.req("POST", "/auth/login", body=self.BODY,
                     ctype="text/plain")
        self.assertProblem(r, 415, "unsupported_media_type")

    def test_no_content_type_with_a_body_is_415(self):
        r = self.req("POST", "/auth/login", body=self.BODY)
        self.assertProblem(r, 415, "unsupported_media_type")

    def test_multipart_is_415(self):
        r = self.req("POST", "/auth/signup", body=b"--x\r\n\r\n--x--\r\n",
                     ctype="multipart/form-data; boundary=x")
        self.assertProblem(r, 415, "unsupported_media_type")

    def test_json_with_charset_parameter_is_accepted(self):
        r = self.req("POST", "/auth/login", body=self.BODY,
                     ctype="application/json; charset=utf-8")
        self.assertProblem(r, 401, "invalid_credentials")

    def test_form_encoding_works_like_json(self):
        email = new_email("form")
        pw = strong_password()
        r = self.req("POST", "/auth/signup",
                     form={"email": email, "password": pw})
        self.assertEqual(self.assertJSON(r, 202),
                         {"status": "verification_sent", "email": email})
        r = self.req("POST", "/auth/login",
                     form={"email": email, "password": pw})
        self.assertProblem(r, 403, "email_not_verified", [pw])
        r = self.req("POST", "/auth/login",
                     form={"email": email, "password": pw + "x"})
        self.assertProblem(r, 401, "invalid_credentials", [pw])
        r = self.req("POST", "/auth/signup", form={"email": email})
        self.assertValidation(r, ["password"])


class MalformedBodyTest(E2ETestCase):
    JSON_BODIES = [
        ("truncated", b'{"email": "a@example.com", "password": '),
        ("trailing garbage",
         b'{"email":"a@example.com","password":"Secret-123x"} garbage'),
        ("two objects", b'{"email":"a@example.com"}{"password":"x"}'),
        ("escaped NUL in email",
         b'{"email":"a\\u0000b@example.com","password":"Secret-123x"}'),
        ("escaped NUL in password",
         b'{"email":"a@example.com","password":"Secret\\u0000-123x"}'),
        ("raw NUL in a string",
         b'{"email":"a\x00b@example.com","password":"Secret-123x"}'),
        ("raw NUL outside strings",
         b'{"email":"a@example.com",\x00"password":"Secret-123x"}'),
        ("invalid UTF-8",
         b'{"email":"\xff\xfe@example.com","password":"Secret-123x"}'),
        ("overlong UTF-8",
         b'{"email":"a\xc0\xafb@example.com","password":"Secret-123x"}'),
        ("array", b'[{"email":"a@example.com","password":"Secret-123x"}]'),
        ("string", b'"a@example.com"'),
        ("number", b"42"),
        ("null", b"null"),
        ("deep nesting", b'{"email":' + b"[" * 5000),
        ("single quotes", b"{'email':'a@example.com'}"),
        ("NaN literal",
         b'{"email":"a@example.com","password":"Secret-123x","n":NaN}'),
        ("lone high surrogate escape",
         b'{"email":"a@example.com","password":"Secret\\ud800-123x"}'),
        ("lone low surrogate escape",
         b'{"email":"a@example.com","password":"Secret\\udfff-123x"}'),
        ("reversed surrogate escapes",
         b'{"email":"a@example.com","password":"S\\udc00\\ud800-123x"}'),
        ("high surrogate escape at the end",
         b'{"email":"a@example.com","password":"Secret-123x\\udbff"}'),
        ("lone surrogate escape in a name",
         b'{"email":"a@example.com","password":"Secret-123x","\\ud800":1}'),
    ]
    FORM_BODIES = [
        ("bad %-escape", b"email=%zz%40example.com&password=Secret-123x"),
        ("truncated %-escape", b"email=a%4&password=Secret-123x"),
        ("%-escape at the end", b"email=a%40example.com&password=Secret%"),
        ("escaped NUL", b"email=a%00b%40example.com&password=Secret-123x"),
        ("escaped invalid UTF-8",
         b"email=%ff%fe%40example.com&password=Secret-123x"),
        ("raw invalid UTF-8", b"email=\xff@example.com&password=Secret-123x"),
        ("raw NUL", b"email=a\x00b@example.com&password=Secret-123x"),
    ]

    def test_malformed_json(self):
        for name, body in self.JSON_BODIES:
            for path in ("/auth/login", "/auth/signup"):
                with self.subTest(name, path=path):
                    r = self.req("POST", path, body=body,
                                 ctype="application/json")
                    self.assertProblem(r, 400, "malformed_body",
                                       ["Secret-123x"])

    def test_surrogate_escapes(self):
        # A surrogate pair escape is its character; a lone one is no
        # Unicode text (json-c would read U+FFFD for any of them, so
        # "\ud800" and "\udbff" would be one password).
        pw = "Grüße ☃ \U0001d11e Ωμέγα-" + secrets.token_hex(4)
        u = create_user("surr", password=pw)
        raw = json.dumps({"email": u.email, "password": pw},
                         ensure_ascii=False).encode()
        self.assertNotIn(b"\\u", raw)
        self.assertTokenPair(self.req("POST", "/auth/login", body=raw,
                                      ctype="application/json"))
        email = new_email("surr")
        for esc in ("\\ud800", "\\udbff", "\\udc00", "\\udc00\\ud800",
                    "\\ud800x", "\\ud800\\u0041"):
            with self.subTest(esc=esc):
                body = ('{"email":"%s","password":"%s%s"}'
                        % (email, strong_password(), esc)).encode()
                r = self.req("POST", "/auth/signup", body=body,
                             ctype="application/json")
                self.assertProblem(r, 400, "malformed_body")
                body = ('{"email":"%s","password":"%s%s"}'
                        % (u.email, pw, esc)).encode()
                r = self.req("POST", "/auth/login", body=body,
                             ctype="application/json")
                self.assertProblem(r, 400, "malformed_body")
        self.assertEqual(sql_value(
            "SELECT count(*) FROM users WHERE email = :'e';", e=email), "0")

    def test_malformed_form(self):
        for name, body in self.FORM_BODIES:
            with self.subTest(name):
                r = self.req("POST", "/auth/login", body=body,
                             ctype="application/x-www-form-urlencoded")
                self.assertProblem(r, 400, "malformed_body", ["Secret-123x"])

    def test_names_without_values(self):
        # "k&k&..." decodes to almost twice its size: a parser that sized
        # its buffer by the input overran it (seen by the ASan stack).
        names = [b"email", b"password"] + [b"k%d" % i for i in range(2000)]
        r = self.req("POST", "/auth/login", body=b"&".join(names),
                     ctype="application/x-www-form-urlencoded")
        # Present but empty: login's one answer for what cannot log in.
        self.assertProblem(r, 401, "invalid_credentials")
        query = "&".join(["token"] + ["k%d" % i for i in range(1000)])
        r = self.req("GET", "/verify-email?" + query, check=False)
        self.assertEqual(r.status, 400, r.describe())
        r = self.req("POST", "/auth/login",
                     json_body={"email": "nobody@example.com",
                                "password": "Secret-123x"})
        self.assertProblem(r, 401, "invalid_credentials")

    def test_trailing_whitespace_is_fine(self):
        r = self.req("POST", "/auth/login", body=b'{"email":"nobody.%s@'
                     b'example.com","password":"Secret-123x"}\r\n \n'
                     % uuid.uuid4().hex[:8].encode(),
                     ctype="application/json")
        self.assertProblem(r, 401, "invalid_credentials")


class ValidationTest(E2ETestCase):

    def test_missing_fields_are_named(self):
        r = self.post("/auth/signup", {})
        self.assertValidation(r, ["email", "password"])
        r = self.post("/auth/signup", {"email": new_email("v")})
        b = self.assertValidation(r, ["password"])
        self.assertNotIn("email", b["errors"])
        r = self.post("/auth/login", {"password": "Secret-123x"})
        b = self.assertValidation(r, ["email"], ["Secret-123x"])
        self.assertNotIn("password", b["errors"])

    def test_wrongly_typed_email(self):
        for v in (5, None, {"a": "b@example.com"}, ["a@example.com"], True,
                  1.5):
            with self.subTest(email=v):
                r = self.post("/auth/signup",
                              {"email": v, "password": strong_password()})
                b = self.assertValidation(r, ["email"])
                self.assertNotIn("password", b["errors"])
                r = self.post("/auth/login",
                              {"email": v, "password": "Secret-123x"})
                self.assertValidation(r, ["email"])

    def test_wrongly_typed_password(self):
        for v in (12345678, None, ["Secret-123x"], {"p": "Secret-123x"},
                  False):
            with self.subTest(password=v):
                r = self.post("/auth/signup",
                              {"email": new_email("v"), "password": v})
                b = self.assertValidation(r, ["password"])
                self.assertNotIn("email", b["errors"])

    @staticmethod
    def email_of_length(n):
        local = ("e2e" + uuid.uuid4().hex).ljust(64, "x")
        label = "c" * (n - 64 - 1 - 63 - 1 - 63 - 1 - 4)
        e = "%s@%s.%s.%s.com" % (local, "a" * 63, "b" * 63, label)
        assert len(e.encode()) == n
        return e

    def test_email_of_254_octets_is_accepted(self):
        e = self.email_of_length(254)
        r = self.post("/auth/signup", {"email": e,
                                       "password": strong_password()})
        self.assertEqual(self.assertJSON(r, 202),
                         {"status": "verification_sent", "email": e})

    def test_email_of_255_octets_is_422(self):
        e = self.email_of_length(255)
        r = self.post("/auth/signup", {"email": e,
                                       "password": strong_password()})
        self.assertValidation(r, ["email"])
        self.assertEqual(sql_value(
            "SELECT count(*) FROM users WHERE lower(email) = lower(:'e');",
            e=e), "0")

    def test_password_of_1024_bytes_is_accepted(self):
        pw = (strong_password() + secrets.token_urlsafe(800))[:1022] + "é"
        self.assertEqual(len(pw.encode()), 1024)
        r = self.post("/auth/signup", {"email": new_email("pw1024"),
                                       "password": pw})
        self.assertStatus(r, 202)

    def test_password_of_1025_bytes_is_422(self):
        # 1024 characters but 1025 bytes: the limit is in bytes.
        pw = (strong_password() + secrets.token_urlsafe(800))[:1023] + "é"
        self.assertEqual(len(pw), 1024)
        self.assertEqual(len(pw.encode()), 1025)
        email = new_email("pw1025")
        r = self.post("/auth/signup", {"email": email, "password": pw})
        b = self.assertValidation(r, ["password"], [pw[:64]])
        self.assertNotIn("email", b["errors"])

    def test_unknown_fields_are_ignored(self):
        email = new_email("extra")
        r = self.post("/auth/signup", {
            "email": email, "password": strong_password(),
            "role": "admin", "roles": ["admin"], "email_verified": True,
            "id": str(uuid.uuid4()), "nested": {"a": [1, 2, {"b": None}]}})
        self.assertEqual(self.assertJSON(r, 202),
                         {"status": "verification_sent", "email": email})
        # ... and they do not reach the account.
        self.assertEqual(sql_value(
            "SELECT (email_verified_at IS NULL)::text || ':' || "
            "(SELECT count(*) FROM user_roles r WHERE r.user_id = u.id) "
            "FROM users u WHERE lower(email) = lower(:'e');", e=email),
            "true:0")


class MethodNotAllowedTest(E2ETestCase):
    CASES = [
        ("GET", "/auth/login", "POST"),
        ("DELETE", "/auth/signup", "POST"),
        ("GET", "/auth/signup", "POST"),
        ("PUT", "/auth/refresh", "POST"),
        ("GET", "/auth/logout", "POST"),
        ("POST", "/auth/me", "GET"),
        ("PUT", "/auth/me", "DELETE"),
        ("POST", "/auth/health", "GET"),
        ("DELETE", "/auth/verify-email", "POST"),
    ]

    def test_405_with_allow(self):
        for method, path, allowed in self.CASES:
            with self.subTest(method=method, path=path):
                r = self.req(method, path)
                self.assertProblem(r, 405, "method_not_allowed")
                allow = r.header("Allow")
                self.assertIsNotNone(allow, r.describe())
                methods = {m.strip().upper() for m in allow.split(",")}
                self.assertIn(allowed, methods, r.describe())
                self.assertNotIn(method, methods, r.describe())


class RequestIdTest(E2ETestCase):

    def test_sane_client_id_is_echoed(self):
        rid = "e2e.Req-id_" + uuid.uuid4().hex
        for method, path in (("GET", "/auth/health"), ("POST", "/auth/login"),
                             ("GET", "/auth/login"), ("GET", "/auth/me")):
            with self.subTest(path=path, method=method):
                r = self.req(method, path, headers={"X-Request-Id": rid})
                self.assertEqual(r.header("X-Request-Id"), rid, r.describe())

    def test_64_chars_is_still_sane(self):
        rid = ("e2e-" + uuid.uuid4().hex * 2)[:64]
        r = self.req("GET", "/auth/health", headers={"X-Request-Id": rid})
        self.assertEqual(r.header("X-Request-Id"), rid)

    def test_id_is_generated_when_absent(self):
        a = self.req("GET", "/auth/health").header("X-Request-Id")
        b = self.req("GET", "/auth/health").header("X-Request-Id")
        self.assertRegex(a, REQUEST_ID_RE)
        self.assertRegex(b, REQUEST_ID_RE)
        self.assertNotEqual(a, b)

    def test_insane_client_id_is_replaced(self):
        for rid in ("has space", "x" * 65, "semi;colon", "<script>",
                    "quote\"d", "a/b"):
            with self.subTest(rid=rid):
                r = self.req("GET", "/auth/health",
                             headers={"X-Request-Id": rid})
                got = r.header("X-Request-Id")
                self.assertNotEqual(got, rid)
                self.assertRegex(got, REQUEST_ID_RE)


class HeadersEverywhereTest(E2ETestCase):
    """X-Request-Id and nosniff are checked on every answer by helpers;
    this names the rule on a spread of answers, errors included."""

    def test_nosniff_on_every_kind_of_answer(self):
        answers = [
            self.req("GET", "/auth/health"),
            self.req("GET", "/auth/me"),
            self.req("GET", "/auth/login"),
            self.post("/auth/login", {}),
            self.req("POST", "/auth/login", body=b"{", ctype="text/plain"),
            self.req("POST", "/auth/login", body=b"{",
                     ctype="application/json"),
            self.post("/auth/refresh", {"refresh_token": "x" * 43}),
            self.post("/auth/logout", {"refresh_token": "x" * 43}),
            self.req("GET", "/verify-email?token=" + "x" * 43),
        ]
        for r in answers:
            with self.subTest(r.method + " " + r.url):
                self.assertEqual(r.header_all("X-Content-Type-Options"),
                                 ["nosniff"])
                self.assertEqual(len(r.header_all("X-Request-Id")), 1)

    def test_nosniff_on_the_web_servers_own_errors(self):
        # Answers the web server gives itself, before or without an
        # endpoint: a body far over the limit, an oversized header field
        # (lighttpd 431, Apache 400), paths no endpoint serves.
        host = MAIN.split("://", 1)[1]
        cases = [
            ("200 KB body", (413,),
             "POST /auth/login HTTP/1.1\r\nHost: %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 204800\r\n"
             "Connection: close\r\n\r\n" % host, b"{" + b" " * 1023),
            ("oversized header", (400, 431),
             "GET /auth/health HTTP/1.1\r\nHost: %s\r\nX-Pad: %s\r\n"
             "Connection: close\r\n\r\n" % (host, "a" * 9000), b""),
            ("404 under /auth/", (404,),
             "GET /auth/no-such-endpoint HTTP/1.1\r\nHost: %s\r\n"
             "Connection: close\r\n\r\n" % host, b""),
            ("outside /auth/", (403, 404),
             "GET /no-such-file.txt HTTP/1.1\r\nHost: %s\r\n"
             "Connection: close\r\n\r\n" % host, b""),
        ]
        for name, statuses, head, body in cases:
            with self.subTest(name):
                status, headers, _ = raw_exchange(MAIN, head.encode(), body,
                                                  timeout=10)
                self.assertIn(status, statuses, headers)
                self.assertEqual([v for k, v in headers
                                  if k.lower() == "x-content-type-options"],
                                 ["nosniff"], (status, headers))
