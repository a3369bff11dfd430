"""The authorizer for a person's browser, through the web server of the
stack (lighttpd or Apache): a valid access cookie is 200 as a Bearer token;
a page navigation without one goes to /auth/session/renew?next=PATH (a
refresh cookie is there) or to /login?next=PATH; anything else stays 401;
a state-changing request with the access cookie from another origin is
403 csrf_failed. PATH is the request's path and query when it is a path of
this origin, else /account."""

import json
import os
import subprocess
import time
import urllib.parse

from helpers import (MAIN, STACK_DIR, E2ETestCase, b64url, create_user,
                     jwt_parts, login_pair, raw_exchange, request)

STATIC = "/samples/private/index.txt"
WHOAMI = "/samples/cgi-bin/whoami"
ACCESS = "authd-access"
REFRESH = "authd-refresh"
# What Chromium sends on a navigation.
NAV = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,"
       "image/avif,image/webp,*/*;q=0.8", "Sec-Fetch-Mode": "navigate",
       "Sec-Fetch-Site": "none", "Sec-Fetch-Dest": "document"}

SIGN_JS = r"""
const crypto = require('crypto');
const {pem, data} = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const sig = crypto.sign('sha256', Buffer.from(data),
                        {key: pem, dsaEncoding: 'ieee-p1363'});
process.stdout.write(sig.toString('base64url'));
"""


def expired(token):
    """token with its times moved two hours back, signed with the stack's
    active key: genuine but expired."""
    header, claims, _, _ = jwt_parts(token)
    kid = open(os.path.join(STACK_DIR, "keys", "active")).read().strip()
    with open(os.path.join(STACK_DIR, "keys", kid + ".key")) as f:
        pem = f.read()
    now = int(time.time())
    claims = dict(claims, iat=now - 7200, nbf=now - 7200, exp=now - 7000)
    data = b64url(json.dumps(header).encode()) + "." + \
        b64url(json.dumps(claims).encode())
    sig = subprocess.run(["node", "-e", SIGN_JS], check=True,
                         capture_output=True, text=True,
                         input=json.dumps({"pem": pem, "data": data})).stdout
    return data + "." + sig


def get(path, cookie=None, headers=None, method="GET", bearer=None):
    h = dict(headers or {})
    if cookie is not None:
        h["Cookie"] = cookie
    # The web server's own answers carry no X-Request-Id: no common checks.
    return request(method, path, headers=h, bearer=bearer, check=False)


def raw_get(target, headers):
    """GET of a request-target as is (no client-side normalising):
    (status, Location or None)."""
    u = urllib.parse.urlsplit(MAIN)
    head = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n" % (
        target, u.netloc)
    head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    status, hdrs, _ = raw_exchange(MAIN, head.encode("latin-1"), b"", 30)
    loc = [v for k, v in hdrs if k.lower() == "location"]
    return status, loc[0] if loc else None


def next_of(location, page):
    """The decoded next of a Location to page; fails on anything else."""
    u = urllib.parse.urlsplit(location)
    assert not u.scheme and not u.netloc, location
    assert u.path == page, location
    q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    assert list(q) == ["next"] and len(q["next"]) == 1, location
    return q["next"][0]


class AuthorizerBrowserTest(E2ETestCase):

    @classmethod
    def setUpClass(cls):
        cls.user = create_user("authzb")
        pair = login_pair(cls.user)
        cls.token = pair["access_token"]
        cls.refresh = pair["refresh_token"]
        cls.expired = expired(cls.token)

    def assertRedirect(self, r, page, path):
        self.assertEqual(r.status, 302, r.describe())
        self.assertEqual(next_of(r.header("Location"), page), path,
                         r.describe())

    def assert401(self, r):
        self.assertEqual(r.status, 401, r.describe())
        self.assertTrue((r.header("WWW-Authenticate") or "")
                        .startswith("Bearer"), r.describe())
        self.assertIsNone(r.header("Location"), r.describe())

    def test_access_cookie_is_200(self):
        for h in (NAV, {}, {"Accept": "application/json"}):
            r = get(WHOAMI, "%s=%s; %s=%s" % (ACCESS, self.token, REFRESH,
                                              self.refresh), h)
            self.assertEqual(r.status, 200, r.describe())
            self.assertIn("AUTH_EMAIL=%s\n" % self.user.email, r.text)

    def test_expired_cookie_is_refused(self):
        # the forged-in-the-past token is genuine: the API sees it expired
        self.assert401(get(STATIC, bearer=self.expired))
        self.assert401(get(STATIC, "%s=%s" % (ACCESS, self.expired)))

    def test_navigation_with_refresh_cookie_goes_to_renew(self):
        for access in (None, self.expired, self.token[:-4] + "AAAA", "x"):
            c = "theme=dark; %s=%s" % (REFRESH, self.refresh)
            if access is not None:
                c += "; %s=%s" % (ACCESS, access)
            r = get(WHOAMI + "?a=1", c, NAV)
            self.assertRedirect(r, "/auth/session/renew", WHOAMI + "?a=1")
        # either navigation signal alone
        for h in ({"Sec-Fetch-Mode": "navigate"},
                  {"Accept": "text/html, application/json;q=0.9"}):
            r = get(STATIC, "%s=whatever" % REFRESH, h)
            self.assertRedirect(r, "/auth/session/renew", STATIC)

    def test_navigation_without_session_goes_to_login(self):
        for c in (None, "%s=%s" % (ACCESS, self.expired), "theme=dark",
                  # the https names and the old name are not this stack's
                  "__Host-%s=%s" % (REFRESH, self.refresh),
                  "refresh_token=%s" % self.refresh):
            r = get(STATIC, c, NAV)
            self.assertRedirect(r, "/login", STATIC)
        self.assertEqual(r.body.count(self.refresh.encode()), 0)

    def test_api_calls_keep_401(self):
        both = "%s=%s; %s=%s" % (ACCESS, self.expired, REFRESH, self.refresh)
        for h in ({}, {"Accept": "*/*"}, {"Accept": "application/json"},
                  {"Accept": "application/json, text/html;q=0.9"},
                  {"Accept": "*/*", "Sec-Fetch-Mode": "cors"},
                  {"Sec-Fetch-Mode": "no-cors"}):
            self.assert401(get(STATIC, both, h))
            self.assert401(get(STATIC, None, h))

    def test_bearer_is_never_redirected(self):
        r = get(STATIC, "%s=%s" % (REFRESH, self.refresh), NAV,
                bearer=self.expired)
        self.assert401(r)
        r = get(STATIC, None, NAV, bearer="not-a-jwt")
        self.assert401(r)
        self.assertEqual(get(STATIC, None, NAV, bearer=self.token).status,
                         200)

    def test_next_keeps_a_path_and_its_query(self):
        for target in (STATIC + "?q=x&a=b%2Fc&n=//evil.example",
                       "/samples//evil.example",
                       "/samples/private/index.txt?u=https://evil.example",
                       "/javascript:alert(1)/../samples/private/index.txt"):
            status, loc = raw_get(target, NAV)
            self.assertEqual(status, 302, target)
            self.assertEqual(next_of(loc, "/login"), target)

    def test_next_that_is_not_a_path_of_this_origin(self):
        # Each request-target reaches the protected directory; its
        # REQUEST_URI is not a path here (or the server refuses it: 400).
        cases = [
            "//evil.example/../samples/private/index.txt",
            "/\\evil.example/../samples/private/index.txt",
            "/%5Cevil.example/../samples/private/index.txt",
            "https://evil.example/samples/private/index.txt",
            "/%2F%2Fevil.example/../samples/private/index.txt",
            "/%2f%2fevil.example/%2E%2E/samples/private/index.txt",
            "javascript:alert(1)/../samples/private/index.txt",
            STATIC + "?a=%0d%0aSet-Cookie:%20x=1",
            STATIC + "?a=%0aX",
            "/samples/private/%0d%0aindex.txt",
            STATIC + "?a=\\b",
            STATIC + "?a=%00",
        ]
        redirected = 0
        for target in cases:
            status, loc = raw_get(target, NAV)
            self.assertIn(status, (302, 400), target)
            if status == 302:
                redirected += 1
                self.assertEqual(next_of(loc, "/login"), "/account", target)
        # the server refuses some before the authorizer sees them, not all
        self.assertGreaterEqual(redirected, 6)

    def test_cross_origin_cookie_post_is_403(self):
        cookie = "%s=%s" % (ACCESS, self.token)
        other = "http://127.0.0.1:1"
        for h in ({"Origin": other}, {"Origin": "null"},
                  {"Origin": "http://evil.example"},
                  {"Sec-Fetch-Site": "same-site"},
                  {"Sec-Fetch-Site": "cross-site"}, {},
                  {"Origin": other, "Sec-Fetch-Site": "same-origin"}):
            for m in ("POST", "PUT", "DELETE"):
                r = get(WHOAMI, cookie, dict(NAV, **h), method=m)
                self.assertEqual(r.status, 403, "%s %r %s" % (m, h,
                                                             r.describe()))
                self.assertIn(b'"code":"csrf_failed"', r.body, r.describe())
                self.assertNotIn(b"AUTH_EMAIL", r.body)
        # an invalid cookie from another origin: refused the same way
        r = get(WHOAMI, "%s=x.y.z" % ACCESS, {"Origin": other},
                method="POST")
        self.assertEqual(r.status, 403, r.describe())

    def test_same_origin_cookie_post_and_bearer_post_pass(self):
        cookie = "%s=%s" % (ACCESS, self.token)
        # Origin: null is what Chromium sends from a no-referrer page
        for h in ({"Origin": MAIN}, {"Sec-Fetch-Site": "same-origin"},
                  {"Origin": "null", "Sec-Fetch-Site": "same-origin"}):
            r = get(WHOAMI, cookie, h, method="POST")
            self.assertEqual(r.status, 200, "%r %s" % (h, r.describe()))
            self.assertIn("AUTH_EMAIL=%s\n" % self.user.email, r.text)
        # Bearer is not a cookie: another site cannot make a browser send it
        r = get(WHOAMI, None, {"Origin": "http://evil.example"},
                method="POST", bearer=self.token)
        self.assertEqual(r.status, 200, r.describe())
        # safe methods from anywhere (a link from another site)
        r = get(WHOAMI, cookie, dict(NAV, **{"Sec-Fetch-Site": "cross-site"}))
        self.assertEqual(r.status, 200, r.describe())
