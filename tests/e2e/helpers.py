"""Shared plumbing for the black-box suite: environment, HTTP, psql, mail links,
JWT decoding and the secrets the suite has seen (checked against a pg_dump).

Only the Python 3 standard library is used. Every request goes over real HTTP
to the instances named by AUTH_BASE_URL / AUTH_BASE_URL_ALT; the database is
touched only through psql/pg_dump for setup and inspection.
"""

import base64
import email
import email.policy
import hashlib
import hmac
import html.parser
import http.client
import json
import os
import random
import re
import secrets
import shlex
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

from contract import contract

REQUIRED_ENV = ("AUTH_BASE_URL", "AUTH_BASE_URL_ALT", "AUTH_BASE_URL_RL",
                "AUTH_BASE_URL_RL2", "AUTH_DATABASE_URL", "AUTH_CONFIG",
                "AUTHCTL", "AUTH_TEST_CTL", "AUTH_STACK_DIR",
                "AUTH_MAIL_DIR")


def missing_env():
    return [k for k in REQUIRED_ENV if not os.environ.get(k)]


_missing = missing_env()
if _missing:
    raise RuntimeError("e2e: missing environment: " + ", ".join(_missing)
                       + " (run the suite through tests/run-e2e)")

MAIN = os.environ["AUTH_BASE_URL"].rstrip("/")
ALT = os.environ["AUTH_BASE_URL_ALT"].rstrip("/")
# Two instances with short rate limits and one shared Redis (test_ratelimit).
RL = os.environ["AUTH_BASE_URL_RL"].rstrip("/")
RL2 = os.environ["AUTH_BASE_URL_RL2"].rstrip("/")
DB_URL = os.environ["AUTH_DATABASE_URL"]
CONFIG = os.environ["AUTH_CONFIG"]
AUTHCTL = shlex.split(os.environ["AUTHCTL"])
TEST_CTL = shlex.split(os.environ["AUTH_TEST_CTL"])
STACK_DIR = os.environ["AUTH_STACK_DIR"]
# Where the stack's SMTP sink stores what auth-mailer sent: one directory
# per recipient (scripts/smtp-sink).
MAIL_DIR = os.environ["AUTH_MAIL_DIR"]
# The endpoints run as plain CGI (scripts/dev's server "cgi"): one process
# per request.
CGI = os.environ.get("AUTH_WEB_SERVER") == "cgi"
MAIL_TIMEOUT = 30

# What the instances are configured with (see tests/run-e2e).
MAIN_ACCESS_TTL = 300
ALT_ACCESS_TTL = 30
REFRESH_TTL = 14 * 24 * 3600
MAX_BODY = 16 * 1024

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RFC3339_RE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

# ---------------------------------------------------------------------------
# Client addresses: one X-Forwarded-For per test (or per helper call), unique
# within a run and, by a random second octet, unlikely to repeat across runs.

_RUN_OCTET = random.SystemRandom().randrange(1, 255)
_ip_lock = threading.Lock()
_ip_next = 0


def not_under_cgi(why):
    """Skips a test or class when the endpoints run as CGI, saying why: it
    observes the long-lived FastCGI processes themselves (what one process
    remembers between requests), which a CGI process does not outlive, or
    it compares answer times closely, which a process start per request
    and the other black-box runs beside the CGI run blur."""
    return unittest.skipIf(CGI, "under CGI: " + why)


def new_ip():
    global _ip_next
    with _ip_lock:
        _ip_next += 1
        n = _ip_next
    return "10.%d.%d.%d" % (_RUN_OCTET, (n >> 8) & 255, n & 255)

# ---------------------------------------------------------------------------
# Secrets the suite has seen: none may appear in a dump of the database.

_seen_lock = threading.Lock()
SEEN_REFRESH = set()
SEEN_EMAIL_TOKENS = set()
SEEN_PASSWORDS = set()


def remember(kind, value):
    with _seen_lock:
        kind.add(value)

# ---------------------------------------------------------------------------
# HTTP


class Resp:
    """One HTTP answer: status, headers (case-insensitive) and body bytes."""

    def __init__(self, method, url, status, headers, body):
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body
        self._json = None

    def header(self, name):
        vals = self.header_all(name)
        return vals[0] if vals else None

    def header_all(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    @property
    def media_type(self):
        ct = self.header("Content-Type") or ""
        return ct.split(";")[0].strip().lower()

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except ValueError:
                raise AssertionError("not a JSON body: " + self.describe())
        return self._json

    def describe(self):
        hdrs = "".join("\n  %s: %s" % (k, v) for k, v in self.headers)
        body = self.text
        if len(body) > 600:
            body = body[:600] + "...(%d bytes)" % len(self.body)
        return "%s %s -> %d%s\n  %s" % (self.method, self.url, self.status,
                                        hdrs, body)


def _check_common(r):
    """Rules every answer obeys: X-Request-Id, nosniff, never a 500."""
    rid = r.header("X-Request-Id")
    if rid is None or not REQUEST_ID_RE.match(rid):
        raise AssertionError("missing or insane X-Request-Id: " + r.describe())
    if r.header("X-Content-Type-Options") != "nosniff":
        raise AssertionError("missing X-Content-Type-Options: nosniff: "
                             + r.describe())
    if r.status >= 500 and r.status != 503:
        raise AssertionError("server error: " + r.describe())
    if r.status == 503 and not r.body:
        raise AssertionError("503 with an empty body: " + r.describe())


def _remember_tokens(r):
    if r.media_type != "application/json" or not r.body:
        return
    try:
        j = json.loads(r.body.decode("utf-8"))
    except ValueError:
        return
    if isinstance(j, dict) and isinstance(j.get("refresh_token"), str):
        remember(SEEN_REFRESH, j["refresh_token"])


def request(method, path, *, base=MAIN, json_body=None, form=None, body=None,
            ctype=None, headers=None, ip=None, bearer=None, timeout=30,
            check=True, source=None):
    """Sends one request on a fresh connection and returns a Resp.

    json_body / form build the body and its Content-Type; body is sent raw
    with ctype (None: no Content-Type). ip is the X-Forwarded-For value
    (a fresh one if None). source is the local address to connect from
    (e.g. "127.0.0.2"; None: the system's choice, 127.0.0.1)."""
    hdrs = {}
    if json_body is not None:
        body = json.dumps(json_body).encode("utf-8")
        ctype = ctype or "application/json"
    elif form is not None:
        body = urllib.parse.urlencode(form).encode("ascii")
        ctype = ctype or "application/x-www-form-urlencoded"
    if isinstance(body, str):
        body = body.encode("utf-8")
    if ctype is not None:
        hdrs["Content-Type"] = ctype
    hdrs["X-Forwarded-For"] = ip or new_ip()
    hdrs["Connection"] = "close"
    if bearer is not None:
        hdrs["Authorization"] = "Bearer " + bearer
    if headers:
        hdrs.update(headers)
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(
        u.hostname, u.port or 80, timeout=timeout,
        source_address=(source, 0) if source else None)
    try:
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b""
        conn.request(method, path, body=body, headers=hdrs)
        raw = conn.getresponse()
        data = raw.read()
        r = Resp(method, base + path, raw.status, raw.getheaders(), data)
    finally:
        conn.close()
    if check:
        _check_common(r)
    # Every answer the suite gets is one the OpenAPI document describes.
    contract().check(method, path, r.status, r.headers, r.body)
    _remember_tokens(r)
    return r


def post(path, payload, **kw):
    return request("POST", path, json_body=payload, **kw)


def raw_exchange(base, head, body_part, timeout):
    """Writes head and body_part to a raw socket and reads one response
    without sending anything more. Returns (status, headers, body); raises
    AssertionError if no complete answer arrives within timeout seconds."""
    u = urllib.parse.urlsplit(base)
    s = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
    deadline = time.monotonic() + timeout
    buf = b""
    try:
        s.sendall(head + body_part)
        while True:
            if b"\r\n\r\n" in buf:
                hdr, rest = buf.split(b"\r\n\r\n", 1)
                lines = hdr.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                headers = [tuple(x.strip() for x in ln.split(":", 1))
                           for ln in lines[1:] if ":" in ln]
                clen = [int(v) for k, v in headers
                        if k.lower() == "content-length"]
                if clen and len(rest) >= clen[0]:
                    return status, headers, rest[:clen[0]]
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            s.settimeout(left)
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        raise AssertionError("no complete answer within %ds (the server "
                             "waited for the rest of the declared body?); "
                             "got %r" % (timeout, buf[:300]))
    finally:
        s.close()
    if b"\r\n\r\n" not in buf:
        raise AssertionError("connection closed without an answer: %r"
                             % buf[:300])
    hdr, rest = buf.split(b"\r\n\r\n", 1)
    lines = hdr.decode("latin-1").split("\r\n")
    headers = [tuple(x.strip() for x in ln.split(":", 1))
               for ln in lines[1:] if ":" in ln]
    return int(lines[0].split()[1]), headers, rest

# ---------------------------------------------------------------------------
# Database (setup and inspection only)


def sql(query, **params):
    """Runs query through psql; :'name' in it is bound to params[name] as a
    quoted literal. Returns the rows as lists of strings."""
    cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
           "-F", "\x1f", "-d", DB_URL]
    for k, v in params.items():
        cmd += ["-v", "%s=%s" % (k, v)]
    p = subprocess.run(cmd, input=query, capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise AssertionError("psql failed (%d): %s\n%s"
                             % (p.returncode, p.stderr.strip(), query))
    return [ln.split("\x1f") for ln in p.stdout.splitlines() if ln != ""]


def sql_value(query, **params):
    rows = sql(query, **params)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise AssertionError("expected one value from %r, got %r"
                             % (query, rows))
    return rows[0][0]


def token_hash_literal(token):
    """'\\x<hex>' of SHA-256(token), for :'h'::bytea."""
    return "\\x" + hashlib.sha256(token.encode("ascii")).hexdigest()


def user_id(email):
    return sql_value("SELECT id FROM users WHERE lower(email) = lower(:'e');",
                     e=email.strip())


def pg_dump():
    p = subprocess.run(["pg_dump", "--no-owner", "-d", DB_URL],
                       capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("pg_dump failed: "
                             + p.stderr.decode("utf-8", "replace"))
    return p.stdout.decode("utf-8", "replace")

# ---------------------------------------------------------------------------
# Mail: what the SMTP sink received, and the stack control

LINK_RE = re.compile(r"https?://[^\s<>\"']+")


def mailbox(addr):
    """The sink's directory name for a recipient (as scripts/smtp-sink)."""
    name = re.sub(r"[^a-z0-9._@+-]", "_", addr.strip().lower())[:200]
    return name if name.strip(".") else "_"


def mails(addr):
    """The messages the sink received for addr, oldest first, parsed
    (email.message.EmailMessage)."""
    d = os.path.join(MAIL_DIR, mailbox(addr))
    try:
        names = sorted(n for n in os.listdir(d)
                       if n.endswith(".eml") and not n.startswith("."))
    except FileNotFoundError:
        return []
    out = []
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            out.append(email.message_from_binary_file(
                f, policy=email.policy.default))
    return out


def outbox_state(addr):
    """{status: count} of the outbox rows to addr."""
    return {r[0]: int(r[1]) for r in sql(
        "SELECT status, count(*) FROM outbox WHERE lower(recipient) = "
        "lower(:'e') GROUP BY status;", e=addr.strip())}


def wait_mails(addr, n, timeout=MAIL_TIMEOUT):
    """Waits until at least n messages for addr have arrived; returns all."""
    deadline = time.monotonic() + timeout
    while True:
        got = mails(addr)
        if len(got) >= n:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("%d of %d messages for %s arrived within "
                                 "%ds; outbox: %r" % (len(got), n, addr,
                                                      timeout,
                                                      outbox_state(addr)))
        time.sleep(0.1)


def mail_link(msg):
    """The one link of a message: the same in its text and HTML parts."""
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    links = set(LINK_RE.findall(text))
    if len(links) != 1:
        raise AssertionError("expected one link in the text part: %r"
                             % text)
    link = links.pop()
    if 'href="%s"' % html.escape(link) not in page:
        raise AssertionError("the HTML part does not link to %s" % link)
    return link


def outbox_link(addr, template=None):
    """The newest emailed link for addr (of that template, if given):
    (link, token), read from the message the sink received, once every
    queued message to addr has been delivered."""
    deadline = time.monotonic() + MAIL_TIMEOUT
    while True:
        st = outbox_state(addr)
        got = mails(addr)
        sent = st.get("sent", 0)
        if not st.get("pending") and not st.get("sending") and sent \
                and len(got) >= sent:
            break
        if time.monotonic() > deadline:
            raise AssertionError("no delivered message for %s within %ds; "
                                 "outbox: %r, received: %d"
                                 % (addr, MAIL_TIMEOUT, st, len(got)))
        time.sleep(0.1)
    msg = got[-1]
    if template is not None:
        # One mailer sends one recipient's messages in order.
        kinds = [r[0] for r in sql(
            "SELECT template FROM outbox WHERE lower(recipient) = lower(:'e')"
            " AND status = 'sent' ORDER BY sent_at, id;", e=addr.strip())]
        mine = [m for m, k in zip(got[-len(kinds):], kinds) if k == template]
        if not mine:
            raise AssertionError("no %s message for %s" % (template, addr))
        msg = mine[-1]
    link = mail_link(msg)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    tok = q.get("token", [""])[0]
    if not TOKEN_RE.match(tok):
        raise AssertionError("no 43-char token in link %r" % link)
    remember(SEEN_EMAIL_TOKENS, tok)
    return link, tok


def redis_cli(*args):
    """redis-cli on the stack's Redis as its default user (the password of
    a test stack's Redis, if it has one); its output. Raises on an error
    answer, so that a refused command cannot pass for an empty result."""
    host_port = os.environ["AUTH_REDIS_URL"].rsplit("/", 1)[-1]
    host, port = host_port.rsplit(":", 1)
    env = dict(os.environ)
    if os.environ.get("AUTH_TEST_REDIS_PASSWORD"):
        env["REDISCLI_AUTH"] = os.environ["AUTH_TEST_REDIS_PASSWORD"]
    p = subprocess.run(["redis-cli", "-h", host, "-p", port] + list(args),
                       capture_output=True, text=True, env=env, timeout=10)
    if p.returncode != 0 or p.stdout.startswith(("NOAUTH", "ERR", "WRONGPASS")):
        raise AssertionError("redis-cli %s: %s%s" % (args, p.stdout, p.stderr))
    return p.stdout


def redis_evals():
    """EVALSHA and EVAL calls the stack's Redis has answered so far."""
    out = redis_cli("INFO", "commandstats")
    return sum(int(m.group(1)) for m in re.finditer(
        r"^cmdstat_eval(?:sha)?:calls=(\d+)", out, re.M))


def stack_ctl(cmd):
    p = subprocess.run(TEST_CTL + [cmd], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise AssertionError("%s %s failed (%d): %s"
                             % (" ".join(TEST_CTL), cmd, p.returncode,
                                p.stderr.strip()))


def config_value(key):
    """Value of key in the AUTH_CONFIG file, or None."""
    with open(CONFIG, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            if k.strip() == key:
                v = v.strip()
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                    v = v[1:-1]
                return v
    return None


def public_key_path(kid):
    """Path of <keys_dir>/<kid>.pub; raises if it cannot be found."""
    kd = config_value("keys_dir")
    if not kd:
        raise AssertionError("no keys_dir in " + CONFIG)
    cands = [kd] if os.path.isabs(kd) else [
        os.path.join(os.path.dirname(CONFIG), kd),
        os.path.join(STACK_DIR, kd), kd]
    for d in cands:
        p = os.path.join(d, kid + ".pub")
        if os.path.isfile(p):
            return p
    raise AssertionError("no %s.pub under %r" % (kid, cands))

# ---------------------------------------------------------------------------
# Accounts


def new_email(tag="u"):
    return "e2e.%s.%s@example.com" % (tag, uuid.uuid4().hex[:12])


CRACKLIB_DICT = "/var/cache/cracklib/cracklib_dict"


def _cracklib():
    """libcrack's FascistCheck, or None where the library is not installed."""
    try:
        import ctypes
        lib = ctypes.CDLL("libcrack.so.2")
    except OSError:
        return None
    lib.FascistCheck.restype = ctypes.c_char_p
    lib.FascistCheck.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    return lib.FascistCheck


_FASCIST_CHECK = _cracklib()
# libcrack keeps its open dictionary in one static: two threads checking at
# once make the second fail ("another dictionary already open"), which
# would throw good draws back.
_fascist_lock = threading.Lock()


def strong_password():
    """A random password the service's policy takes: about one in 2000 of
    these draws is "too simplistic/systematic" to cracklib, so such draws are
    thrown back (test data, not the behaviour under test)."""
    for _ in range(20):
        pw = "Qx7!" + secrets.token_urlsafe(15)
        if _FASCIST_CHECK is None:
            return pw
        with _fascist_lock:
            verdict = _FASCIST_CHECK(pw.encode(), CRACKLIB_DICT.encode())
        if verdict is None:
            return pw
    return pw


class User:
    def __init__(self, email, password, uid):
        self.email = email
        self.password = password
        self.id = uid


def signup(email, password, base=MAIN, ip=None):
    return post("/auth/signup", {"email": email, "password": password},
                base=base, ip=ip)


def create_user(tag="u", verified=True, email=None, password=None):
    """Signs up (and verifies) a fresh account on MAIN; returns a User."""
    email = email or new_email(tag)
    given = password
    password = password or strong_password()
    r = signup(email, password)
    # cracklib now and then refuses a random password as too simple: that
    # is the random data, not the behaviour under test; draw another.
    for _ in range(3):
        if given or r.status != 422 or "password" not in \
                ((r.json or {}).get("errors") or {}):
            break
        password = strong_password()
        r = signup(email, password)
    if r.status != 202:
        raise AssertionError("signup failed: " + r.describe())
    remember(SEEN_PASSWORDS, password)
    if verified:
        _, tok = outbox_link(email)
        r = post("/auth/verify-email", {"token": tok})
        if r.status != 200:
            raise AssertionError("verify failed: " + r.describe())
    return User(email, password, user_id(email))


def login(email, password, base=MAIN, ip=None):
    return post("/auth/login", {"email": email, "password": password},
                base=base, ip=ip)


def login_pair(user, base=MAIN, ip=None):
    r = login(user.email, user.password, base=base, ip=ip)
    if r.status != 200:
        raise AssertionError("login failed: " + r.describe())
    return r.json


def refresh(token, base=MAIN, ip=None):
    return post("/auth/refresh", {"refresh_token": token}, base=base, ip=ip)

# ---------------------------------------------------------------------------
# JWT


def b64url_decode(s):
    if isinstance(s, str):
        s = s.encode("ascii")
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_parts(token):
    """(header, claims, signing input, signature) of a compact JWS."""
    h, p, s = token.split(".")
    return (json.loads(b64url_decode(h)), json.loads(b64url_decode(p)),
            (h + "." + p).encode("ascii"), b64url_decode(s))


def jwt_encode(header, claims, signature=b""):
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return h + "." + p + "." + b64url(signature)


def jwt_hs256(header, claims, key):
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(key, (h + "." + p).encode(), hashlib.sha256).digest()
    return h + "." + p + "." + b64url(sig)


def _der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def es256_verify(token, pub_path):
    """True if token's ES256 signature verifies with the PEM at pub_path
    (checked by the openssl command-line tool)."""
    _, _, signing_input, sig = jwt_parts(token)
    if len(sig) != 64:
        return False
    seq = _der_int(sig[:32]) + _der_int(sig[32:])
    der = b"\x30" + bytes([len(seq)]) + seq
    with tempfile.TemporaryDirectory() as d:
        sp, dp = os.path.join(d, "sig"), os.path.join(d, "data")
        with open(sp, "wb") as f:
            f.write(der)
        with open(dp, "wb") as f:
            f.write(signing_input)
        p = subprocess.run(["openssl", "dgst", "-sha256", "-verify",
                            pub_path, "-signature", sp, dp],
                           capture_output=True, timeout=30)
    return p.returncode == 0

# ---------------------------------------------------------------------------
# HTML forms (the /verify-email page)


class FormParser(html.parser.HTMLParser):
    """Collects each <form>: its attributes and its named inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": a, "inputs": {}, "buttons": 0})
        elif self.forms and tag in ("input", "button"):
            f = self.forms[-1]
            if tag == "button" or a.get("type") == "submit":
                f["buttons"] += 1
            if a.get("name"):
                f["inputs"][a["name"]] = a.get("value") or ""


def parse_forms(text):
    p = FormParser()
    p.feed(text)
    p.close()
    return p.forms

# ---------------------------------------------------------------------------
# A browser over HTTP: the session cookies of the pages

# The cookie names on a plain-http loopback public_url (the test stacks).
REFRESH_COOKIE = "authd-refresh"
ACCESS_COOKIE = "authd-access"
CSRF_COOKIE = "authd-csrf"


def parse_set_cookie(value):
    """One Set-Cookie value as (name, value, {attribute-lower: value})."""
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return name.strip(), val.strip(), attrs


def live_sessions(uid):
    """How many unrevoked sessions user uid has."""
    return int(sql_value("SELECT count(*) FROM sessions WHERE user_id = "
                         ":'u' AND revoked_at IS NULL;", u=uid))


class Browser:
    """A cookie jar over request(): keeps what Set-Cookie sets (Max-Age=0
    removes), sends it back, and sends with a POST the Origin a form of
    this site has (origin=None: none; a string: that one)."""

    def __init__(self, base=MAIN, ip=None, user_agent=None):
        self.base = base
        self.ip = ip or new_ip()
        self.jar = {}
        self.user_agent = user_agent

    def send(self, method, path, form=None, headers=None, origin=True,
             **kw):
        h = {}
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        if method == "POST" and origin is True:
            h["Origin"] = self.base
        elif isinstance(origin, str):
            h["Origin"] = origin
        if self.user_agent:
            h["User-Agent"] = self.user_agent
        h.update(headers or {})
        r = request(method, path, base=self.base, form=form, headers=h,
                    ip=self.ip, **kw)
        for v in r.header_all("Set-Cookie"):
            name, val, attrs = parse_set_cookie(v)
            if attrs.get("max-age") == "0":
                self.jar.pop(name, None)
            else:
                self.jar[name] = val
        return r

    def get(self, path, **kw):
        return self.send("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.send("POST", path, form=form, **kw)

    @staticmethod
    def form(r, form_id):
        """The form of r with this id: {"attrs", "inputs", "buttons"}."""
        for f in parse_forms(r.text):
            if f["attrs"].get("id") == form_id:
                return f
        raise AssertionError("no form#%s: %s" % (form_id, r.describe()))

    def submit(self, r, form_id, fields=None, **kw):
        """Posts form#form_id of page r with its inputs and fields."""
        f = self.form(r, form_id)
        data = dict(f["inputs"])
        data.update(fields or {})
        return self.post(f["attrs"]["action"], data, **kw)

    def sign_in(self, user, next_path=None):
        """Logs user in through the login page; returns the 303."""
        page = self.get("/login" + ("?next=" + urllib.parse.quote(
            next_path, safe="") if next_path else ""))
        r = self.submit(page, "login", {"email": user.email,
                                        "password": user.password})
        if r.status != 303:
            raise AssertionError("page login failed: " + r.describe())
        return r

# ---------------------------------------------------------------------------
# The base test case


class E2ETestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.ip = new_ip()

    def req(self, method, path, **kw):
        kw.setdefault("ip", self.ip)
        return request(method, path, **kw)

    def post(self, path, payload, **kw):
        kw.setdefault("ip", self.ip)
        return post(path, payload, **kw)

    def assertStatus(self, r, status):
        self.assertEqual(r.status, status, r.describe())

    def assertProblem(self, r, status, code, secrets_=()):
        """An RFC 9457 problem with this status and code; returns the body."""
        self.assertEqual(r.status, status, r.describe())
        self.assertEqual(r.media_type, "application/problem+json",
                         r.describe())
        b = r.json
        self.assertIsInstance(b, dict, r.describe())
        self.assertEqual(b.get("status"), status, r.describe())
        self.assertEqual(b.get("code"), code, r.describe())
        for k in ("type", "title", "detail"):
            self.assertIsInstance(b.get(k), str, r.describe())
            self.assertTrue(b[k], "empty %s: %s" % (k, r.describe()))
        for s in secrets_:
            self.assertNotIn(s, r.text, "a secret leaked: " + r.describe())
        self.assertNotIn("$y$", r.text, r.describe())
        return b

    def assertValidation(self, r, fields, secrets_=()):
        b = self.assertProblem(r, 422, "validation_failed", secrets_)
        self.assertIsInstance(b.get("errors"), dict, r.describe())
        for f in fields:
            self.assertIn(f, b["errors"], r.describe())
        return b

    def assertJSON(self, r, status):
        self.assertEqual(r.status, status, r.describe())
        self.assertEqual(r.media_type, "application/json", r.describe())
        return r.json

    def assertNoStore(self, r):
        cc = (r.header("Cache-Control") or "").lower()
        self.assertIn("no-store", [x.strip() for x in cc.split(",")],
                      r.describe())

    def assertTokenPair(self, r, expires_in=MAIN_ACCESS_TTL, full=True):
        """A 200 token pair answer; returns its body."""
        b = self.assertJSON(r, 200)
        self.assertEqual(set(b), {"access_token", "token_type", "expires_in",
                                  "refresh_token", "refresh_expires_in"},
                         r.describe())
        self.assertEqual(b["token_type"], "Bearer")
        self.assertEqual(b["expires_in"], expires_in)
        self.assertIsInstance(b["refresh_expires_in"], int)
        if full:
            self.assertEqual(b["refresh_expires_in"], REFRESH_TTL)
        else:
            self.assertTrue(0 < b["refresh_expires_in"] <= REFRESH_TTL, b)
        self.assertRegex(b["refresh_token"], TOKEN_RE)
        self.assertEqual(b["access_token"].count("."), 2)
        self.assertNoStore(r)
        return b
