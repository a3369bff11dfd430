"""What the key tests share: the JWK Set, an independent verifier (Node's
crypto, or openssl from the JWK's coordinates), and authctl run as the
service (key files it writes must stay readable by the endpoints)."""

import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time

from helpers import (AUTHCTL, CONFIG, b64url_decode, es256_verify,
                     jwt_parts, request)

JWKS_PATH = "/.well-known/jwks.json"
# authctl as the stack's service user (scripts/dev authctl DIR); without it,
# authctl as this user with AUTH_CONFIG.
SVC_AUTHCTL = shlex.split(os.environ.get("AUTH_TEST_AUTHCTL", "")) or AUTHCTL
# Endpoints look at the key directory at most once a second.
RELOAD_WAIT = 8

NODE_VERIFY = r"""
const crypto = require('crypto');
const {jwk, token} = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const [h, p, s] = token.split('.');
const key = crypto.createPublicKey({key: jwk, format: 'jwk'});
const opts = jwk.kty === 'EC' ? {key, dsaEncoding: 'ieee-p1363'} : key;
const ok = crypto.verify('sha256', Buffer.from(h + '.' + p), opts,
                         Buffer.from(s, 'base64url'));
process.stdout.write(ok ? 'valid' : 'invalid');
"""

# DER prefix of a P-256 SubjectPublicKeyInfo, before 04 || x || y.
P256_SPKI_PREFIX = bytes.fromhex(
    "3059301306072a8648ce3d020106082a8648ce3d030107034200")


def authctl(*args, check=True):
    p = subprocess.run(SVC_AUTHCTL + list(args), capture_output=True,
                       text=True, timeout=120,
                       env=dict(os.environ, AUTH_CONFIG=CONFIG))
    if check and p.returncode != 0:
        raise AssertionError("authctl %s failed (%d): %s"
                             % (" ".join(args), p.returncode,
                                p.stderr.strip()))
    return p


def jwks(base=None):
    kw = {"base": base} if base else {}
    r = request("GET", JWKS_PATH, **kw)
    if r.status != 200:
        raise AssertionError("JWKS: " + r.describe())
    return r, r.json


def jwk_for(kid, base=None):
    for k in jwks(base)[1]["keys"]:
        if k.get("kid") == kid:
            return k
    return None


def wait_for(what, fn, timeout=RELOAD_WAIT):
    """Polls fn until it returns a true value; returns it or fails."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.25)


def node_verify(jwk, token):
    """True/False from Node's crypto, or None when node is missing."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return None
    p = subprocess.run([node, "-e", NODE_VERIFY],
                       input=json.dumps({"jwk": jwk, "token": token}),
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("node failed: " + p.stderr.strip())
    return p.stdout == "valid"


def openssl_verify_ec(jwk, token):
    """ES256 check by the openssl tool, from the JWK's x and y alone."""
    x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
    if len(x) != 32 or len(y) != 32:
        raise AssertionError("JWK coordinates are not 32 bytes: %r" % jwk)
    der = P256_SPKI_PREFIX + b"\x04" + x + y
    with tempfile.TemporaryDirectory() as d:
        der_path, pem_path = os.path.join(d, "k.der"), os.path.join(d, "k.pem")
        with open(der_path, "wb") as f:
            f.write(der)
        p = subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER",
                            "-in", der_path, "-out", pem_path],
                           capture_output=True, timeout=30)
        if p.returncode != 0:
            raise AssertionError("openssl cannot read the JWK as a key: "
                                 + p.stderr.decode("utf-8", "replace"))
        return es256_verify(token, pem_path)


def token_kid(token):
    return jwt_parts(token)[0]["kid"]
