"""GET /auth/openapi.json is openapi.yaml; GET /auth/docs renders it with
assets the service serves itself (nothing from another host) under a CSP
that allows no other origin."""

import json
import os
import re

import yaml

from helpers import E2ETestCase

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "openapi.yaml")


class ApiDocsTest(E2ETestCase):
    def test_openapi_json_is_the_document(self):
        r = self.req("GET", "/auth/openapi.json")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.media_type, "application/json")
        served = json.loads(r.body)
        with open(SRC, encoding="utf-8") as f:
            src = yaml.safe_load(f)
        self.assertRegex(served["info"]["version"], r"^\d+\.\d+\.\d+")
        served["info"]["version"] = src["info"]["version"]
        self.assertEqual(served, src)
        self.assertIn("public", r.header("Cache-Control"))

    def test_docs_page_uses_only_its_own_assets(self):
        r = self.req("GET", "/auth/docs")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.media_type, "text/html")
        csp = r.header("Content-Security-Policy")
        self.assertTrue(csp.startswith("default-src 'self'; "), csp)
        for d in ("frame-ancestors 'none'", "base-uri 'none'",
                  "form-action 'self'"):
            self.assertIn(d, csp)
        # Nothing but this origin for scripts and connections; no host named.
        self.assertNotIn("script-src", csp)
        self.assertNotIn("connect-src", csp)
        self.assertNotRegex(csp, r"https?:|\*|unsafe")
        self.assertEqual(r.header("X-Frame-Options"), "DENY")
        refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        self.assertTrue(refs, r.text)
        for ref in refs:
            with self.subTest(ref):
                self.assertNotRegex(ref, r"^(https?:)?//", "hot-linked")
                a = self.req("GET", "/auth/" + ref)
                self.assertEqual(a.status, 200, a.describe())
                self.assertGreater(len(a.body), 100)
        kinds = {self.req("GET", "/auth/" + ref).media_type for ref in refs}
        self.assertLessEqual({"text/javascript", "text/css"}, kinds)

    def test_the_pages_csp_stays_strict(self):
        # The relaxed policy is the docs page's alone.
        r = self.req("GET", "/login")
        self.assertEqual(r.header("Content-Security-Policy"),
                         "default-src 'self'; frame-ancestors 'none'; "
                         "form-action 'self'; base-uri 'none'")

    def test_unknown_asset_is_404(self):
        r = self.req("GET", "/auth/docs/nope.js")
        self.assertProblem(r, 404, "not_found")
