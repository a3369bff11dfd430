"""The checker of every answer against openapi.yaml (contract.py) bites: a
wrong status, body, media type or header, a method or path the document
does not have, each is refused; the right answers pass. No stack needed:
`python3 -m unittest tests/e2e/test_contract.py` (tests/openapi-lint runs
it too)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contract  # noqa: E402
from contract import Contract, ContractError  # noqa: E402

SID = "0b0e6a57-7d0e-4d1e-8f3e-7a0e1d2c3b4a"
# An endpoint's answers carry X-Request-Id (the web server's own do not).
RID = [("X-Request-Id", "e2e-contract")]
JSON = RID + [("Content-Type", "application/json")]
PROBLEM = RID + [("Content-Type", "application/problem+json")]
BEARER_401 = PROBLEM + [("WWW-Authenticate",
                         'Bearer realm="auth", error="invalid_token"')]


def problem(status, code, **extra):
    b = {"type": "about:blank", "title": "T", "status": status,
         "detail": "D", "code": code}
    b.update(extra)
    return json.dumps(b).encode()


PAIR = json.dumps({"access_token": "a.b.c", "token_type": "Bearer",
                   "expires_in": 300, "refresh_token": "x" * 43,
                   "refresh_expires_in": 1209600}).encode()
NO_STORE = JSON + [("Cache-Control", "no-store")]


class ContractTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Contract.load()

    def ok(self, *args):
        self.c.check(*args)

    def bad(self, *args, match=None):
        with self.assertRaises(ContractError) as cm:
            self.c.check(*args)
        if match:
            self.assertIn(match, str(cm.exception))

    def test_a_documented_answer_passes(self):
        self.ok("POST", "/auth/login", 200, NO_STORE, PAIR)
        self.ok("POST", "/auth/login", 401, PROBLEM,
                problem(401, "invalid_credentials"))
        self.ok("GET", "/auth/health", 200, JSON,
                b'{"status":"ok","checks":{"db":"ok","redis":"ok","mail":"ok"},'
                b'"mail":{"pending":0,"oldest_pending_age":0,'
                b'"last_sent_at":null}}')

    def test_an_unlisted_status_fails(self):
        self.bad("POST", "/auth/login", 201, NO_STORE, PAIR,
                 match="status 201 is not listed")
        self.bad("GET", "/auth/me", 404, PROBLEM, problem(404, "not_found"),
                 match="not listed")

    def test_a_body_off_its_schema_fails(self):
        pair = json.loads(PAIR)
        del pair["refresh_expires_in"]
        self.bad("POST", "/auth/login", 200, NO_STORE,
                 json.dumps(pair).encode(), match="does not match")
        pair = dict(json.loads(PAIR), extra=1)
        self.bad("POST", "/auth/login", 200, NO_STORE,
                 json.dumps(pair).encode(), match="does not match")
        self.bad("GET", "/auth/health", 200, JSON, b'{"status":"fine",'
                 b'"checks":{"db":"ok","redis":"ok"}}', match="fine")
        self.bad("GET", "/auth/health", 200, JSON, b"not json",
                 match="not JSON")

    def test_a_code_of_another_answer_fails(self):
        self.bad("POST", "/auth/login", 401, PROBLEM,
                 problem(401, "invalid_refresh_token"), match="does not match")
        # status in the body differs from the code's
        self.bad("POST", "/auth/login", 401, PROBLEM,
                 problem(400, "invalid_credentials"), match="does not match")
        # errors belongs to a 422 only
        self.bad("POST", "/auth/login", 401, PROBLEM,
                 problem(401, "invalid_credentials", errors={"a": "b"}))
        self.bad("POST", "/auth/login", 422, PROBLEM,
                 problem(422, "validation_failed"), match="errors")

    def test_a_wrong_media_type_fails(self):
        self.bad("POST", "/auth/login", 401, JSON,
                 problem(401, "invalid_credentials"), match="media type")
        self.bad("POST", "/auth/logout", 204, JSON, b"{}",
                 match="lists no body")

    def test_a_missing_or_wrong_documented_header_fails(self):
        self.bad("POST", "/auth/login", 200, JSON, PAIR,
                 match="Cache-Control")
        self.bad("GET", "/auth/me", 401, PROBLEM,
                 problem(401, "unauthorized"), match="WWW-Authenticate")
        self.ok("GET", "/auth/me", 401, BEARER_401,
                problem(401, "unauthorized"))
        self.bad("POST", "/auth/login", 429, PROBLEM,
                 problem(429, "rate_limited"), match="Retry-After")
        self.bad("POST", "/auth/login", 429,
                 PROBLEM + [("Retry-After", "soon")],
                 problem(429, "rate_limited"), match="Retry-After")
        self.ok("POST", "/auth/login", 429,
                PROBLEM + [("Retry-After", "12"),
                           ("RateLimit-Policy", '"login_ip";q=5;w=60'),
                           ("RateLimit", '"login_ip";r=0;t=12')],
                problem(429, "rate_limited"))

    def test_path_templates_match_by_their_parameters(self):
        self.assertEqual(self.c.match("DELETE", "/auth/sessions/" + SID)[0],
                         "/auth/sessions/{id}")
        self.assertIsNone(self.c.match("DELETE", "/auth/sessions/nope"))
        self.assertEqual(self.c.match(
            "PUT", "/auth/admin/users/%s/roles/admin" % SID)[0],
            "/auth/admin/users/{id}/roles/{role}")
        self.assertEqual(self.c.match(
            "DELETE", "/auth/admin/users/%s/sessions" % SID)[0],
            "/auth/admin/users/{id}/sessions")
        # A role segment the schema refuses is the operation's 422.
        self.assertEqual(self.c.match(
            "PUT", "/auth/admin/users/%s/roles/Not-A-Role" % SID)[0],
            "/auth/admin/users/{id}/roles/{role}")
        self.assertIsNone(self.c.match(
            "PUT", "/auth/admin/users/not-a-uuid/roles/admin"))
        self.assertEqual(self.c.match(
            "GET", "/x/../samples/private/index.txt?q=1")[0],
            "/samples/private/index.txt")
        self.ok("DELETE", "/auth/sessions/" + SID, 204, RID, b"")
        self.ok("DELETE", "/auth/sessions/nope", 404, PROBLEM,
                problem(404, "not_found"))
        self.bad("DELETE", "/auth/sessions/nope", 204, RID, b"",
                 match="only a 404")

    def test_an_undocumented_method_must_be_the_405(self):
        allow = PROBLEM + [("Allow", "POST")]
        self.ok("GET", "/auth/login", 405, allow,
                problem(405, "method_not_allowed"))
        self.bad("GET", "/auth/login", 200, NO_STORE, PAIR,
                 match="only a 405")
        self.bad("GET", "/auth/login", 405, PROBLEM + [("Allow", "GET")],
                 problem(405, "method_not_allowed"), match="Allow")
        self.bad("GET", "/auth/login", 405, allow,
                 problem(405, "not_found"), match="does not match")

    def test_the_web_servers_own_answers(self):
        html = [("Content-Type", "text/html")]
        self.ok("GET", "/login?next=%0d%0a", 400, html, b"<html></html>")
        self.ok("POST", "/auth/login", 413, html, b"<html></html>")
        # an endpoint's answer (it has an X-Request-Id) is not one
        self.bad("GET", "/login?next=%0d%0a", 400,
                 html + [("X-Request-Id", "abc")], b"<html></html>")
        self.bad("GET", "/auth/me", 418, html, b"", match="not listed")

    def test_a_redirect_needs_its_location(self):
        loc = RID + [("Location", "/account")]
        self.ok("POST", "/login", 303, loc, b"")
        self.ok("POST", "/login", 303, loc + [("Content-Type", "text/html")],
                b"<html>See Other</html>")
        self.bad("POST", "/login", 303, RID, b"", match="Location")
        self.bad("POST", "/login", 303, RID + [("Location", "https://x")],
                 b"", match="Location")

    def test_every_operation_is_built(self):
        # DELETE /auth/me is served: its 405 is refused, and Allow must
        # name it.
        self.assertEqual(contract.NOT_BUILT, set())
        self.assertEqual(contract.NOT_BUILT_PATHS, ())
        self.bad("DELETE", "/auth/me", 405, PROBLEM + [("Allow", "GET")],
                 problem(405, "method_not_allowed"), match="405")
        self.bad("POST", "/auth/me", 405, PROBLEM + [("Allow", "GET")],
                 problem(405, "method_not_allowed"), match="Allow")

    def test_an_unknown_path_must_be_a_404(self):
        self.ok("GET", "/auth/no-such", 404, PROBLEM,
                problem(404, "not_found"))
        self.bad("GET", "/auth/no-such", 200, JSON, b"{}",
                 match="only a 404")
        self.bad("GET", "/auth/no-such", 404, PROBLEM,
                 problem(404, "forbidden"))


if __name__ == "__main__":
    unittest.main()
