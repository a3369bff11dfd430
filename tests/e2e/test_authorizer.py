"""The authorizer in front of the sample locations of lighttpd.conf and
apache.conf: 401 without a valid token, 200 and the user passed on to a
CGI, 403 without the location's required role; Bearer or cookie."""

import re

from helpers import (E2ETestCase, b64url, create_user, jwt_parts,
                     login_pair, request, sql)

STATIC = "/samples/private/index.txt"
ADMIN = "/samples/admin/index.txt"
WHOAMI = "/samples/cgi-bin/whoami"
STATIC_TEXT = b"authd sample: a static file behind the authorizer.\n"
INVALID_TOKEN_RE = re.compile(r'^Bearer\b.*\berror="invalid_token"')


def get(path, token=None, cookie=None, headers=None):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if cookie is not None:
        h["Cookie"] = cookie
    # Answers of the web server itself (static files, the CGI) carry no
    # X-Request-Id: no common checks.
    return request("GET", path, headers=h, check=False)


def whoami(r):
    """The AUTH_* lines the sample CGI printed."""
    out = {}
    for line in r.text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


class AuthorizerTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("authz")
        cls.token = login_pair(cls.user)["access_token"]
        cls.admin = create_user("authzadm")
        sql("INSERT INTO user_roles (user_id, role) VALUES (:'u', 'admin');",
            u=cls.admin.id)
        cls.admin_token = login_pair(cls.admin)["access_token"]

    def assertUnauthorized(self, r, presented=True):
        self.assertEqual(r.status, 401, r.describe())
        www = r.header("WWW-Authenticate") or ""
        self.assertTrue(www.startswith("Bearer"), r.describe())
        if presented:
            self.assertRegex(www, INVALID_TOKEN_RE)
        else:
            self.assertNotIn("error=", www)
        self.assertNotIn(STATIC_TEXT, r.body)

    def test_no_token_is_401(self):
        for path in (STATIC, ADMIN, WHOAMI):
            self.assertUnauthorized(get(path), presented=False)

    def test_problem_body_on_401(self):
        r = get(STATIC)
        self.assertIn(b'"code":"unauthorized"', r.body, r.describe())

    def test_valid_bearer_serves_the_static_file(self):
        r = get(STATIC, self.token)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.body, STATIC_TEXT)

    def test_cgi_gets_the_user(self):
        r = get(WHOAMI, self.token)
        self.assertEqual(r.status, 200, r.describe())
        env = whoami(r)
        self.assertEqual(env.get("AUTH_USER_ID"), self.user.id, r.describe())
        self.assertEqual(env.get("AUTH_EMAIL"), self.user.email)
        self.assertEqual(env.get("AUTH_ROLES"), "")
        r = get(WHOAMI, self.admin_token)
        self.assertEqual(whoami(r).get("AUTH_ROLES"), "admin", r.describe())

    def test_access_cookie(self):
        # The plain-http loopback public_url of the test stack: the name
        # without the __Host- prefix.
        r = get(WHOAMI, cookie="theme=dark; authd-access=" + self.token)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(whoami(r).get("AUTH_USER_ID"), self.user.id)
        self.assertUnauthorized(get(STATIC, cookie="authd-access=x.y.z"))
        # The old name and the https name are not this stack's cookie.
        for name in ("access_token", "__Host-authd-access"):
            self.assertUnauthorized(get(STATIC, cookie=name + "=" +
                                        self.token), presented=False)

    def test_invalid_tokens_are_401(self):
        h, p, s = self.token.split(".")
        header, claims, _, _ = jwt_parts(self.token)
        forged_claims = dict(claims, sub=self.admin.id)
        import json
        forged = h + "." + b64url(json.dumps(forged_claims).encode()) \
            + "." + s
        none_alg = b64url(json.dumps(dict(header, alg="none")).encode()) \
            + "." + p + "."
        for bad in (forged, none_alg, h + "." + p + ".", "x.y.z",
                    self.token + "x", "not-a-jwt"):
            self.assertUnauthorized(get(STATIC, bad))
        self.assertUnauthorized(
            get(STATIC, headers={"Authorization": "Basic dXNlcjpwYXNz"}),
            presented=False)

    def test_required_role(self):
        r = get(ADMIN, self.token)
        self.assertEqual(r.status, 403, r.describe())
        self.assertIn('error="insufficient_scope"',
                      r.header("WWW-Authenticate") or "", r.describe())
        self.assertIn(b'"code":"forbidden"', r.body, r.describe())
        r = get(ADMIN, self.admin_token)
        self.assertEqual(r.status, 200, r.describe())
        self.assertIn(b"admin", r.body)
        # the role is only required where it is configured
        self.assertEqual(get(STATIC, self.token).status, 200)

    def test_client_cannot_set_the_role_or_the_user(self):
        hdrs = {"Auth-Require-Role": "", "Variable-AUTH_USER_ID": "x",
                "AUTH_USER_ID": "x"}
        r = get(ADMIN, self.token, headers=hdrs)
        self.assertEqual(r.status, 403, r.describe())
        r = get(WHOAMI, self.token, headers=hdrs)
        self.assertEqual(whoami(r).get("AUTH_USER_ID"), self.user.id)
        self.assertUnauthorized(get(WHOAMI, headers=hdrs), presented=False)
