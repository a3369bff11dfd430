"""Hardening seen from outside: the programs refuse to run as root (authctl
only for its key commands), and every endpoint process runs as the service
user with no_new_privs and a seccomp filter."""

import os
import subprocess
import unittest

from helpers import (CONFIG, STACK_DIR, E2ETestCase, config_value,
                     not_under_cgi, request)

ROOT = os.geteuid() == 0


def stack_prefix():
    """The install tree the stack runs (its stack file's prefix=)."""
    with open(os.path.join(STACK_DIR, "stack")) as f:
        for line in f:
            if line.startswith("prefix="):
                return line.rstrip("\n").split("=", 1)[1]
    raise AssertionError("no prefix= in %s/stack" % STACK_DIR)


def run_as_root(argv):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=30,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                               "AUTH_CONFIG": CONFIG})


def endpoint_status(prefix):
    """{pid: (exe name, /proc/PID/status text)} of the stack's endpoints."""
    libexec = os.path.realpath(os.path.join(prefix, "libexec", "authd"))
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            exe = os.readlink("/proc/%s/exe" % pid)
            if os.path.dirname(exe) != libexec or not exe.endswith(".fcgi"):
                continue
            with open("/proc/%s/status" % pid) as f:
                found[pid] = (os.path.basename(exe), f.read())
        except OSError:
            continue
    return found


@unittest.skipUnless(ROOT, "the suite runs as root only in CI and scripts/dev")
class RootTest(unittest.TestCase):

    def assertRefused(self, p):
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("refusing to run as root", p.stderr)

    def test_endpoint_refuses_root(self):
        for name in ("health", "login", "authorizer", "jwks"):
            exe = os.path.join(stack_prefix(), "libexec", "authd",
                               name + ".fcgi")
            self.assertRefused(run_as_root([exe]))

    def test_tools_refuse_root(self):
        bindir = os.path.join(stack_prefix(), "bin")
        self.assertRefused(run_as_root([os.path.join(bindir, "authctl"),
                                        "user", "show", "a@example.com"]))
        self.assertRefused(run_as_root([os.path.join(bindir, "authctl"),
                                        "outbox", "list"]))
        self.assertRefused(run_as_root([os.path.join(bindir, "auth-mailer"),
                                        "--once"]))

    def test_authctl_keys_runs_as_root(self):
        p = run_as_root([os.path.join(stack_prefix(), "bin", "authctl"),
                         "keys", "list", "--dir",
                         os.path.join(STACK_DIR, "keys")])
        self.assertNotIn("refusing", p.stderr)
        self.assertIn("active", p.stdout + p.stderr)


@unittest.skipUnless(ROOT, "reading another user's /proc/PID needs root")
@not_under_cgi("one process per request: none is left to read from "
               "/proc (tests/cgi-mode runs the CGI path under the sandbox)")
class SandboxTest(E2ETestCase):

    def test_endpoints_run_sandboxed(self):
        # Every endpoint kind answers, so its processes are up.
        self.assertEqual(request("GET", "/auth/health").status, 200)
        self.assertEqual(request("GET", "/.well-known/jwks.json").status, 200)
        procs = endpoint_status(stack_prefix())
        names = {name for name, _ in procs.values()}
        for want in ("authorizer.fcgi", "jwks.fcgi", "login.fcgi",
                     "signup.fcgi", "health.fcgi"):
            self.assertIn(want, names)
        for pid, (name, status) in procs.items():
            fields = dict(line.split(":", 1) for line in status.splitlines()
                          if ":" in line)
            what = "%s (pid %s)" % (name, pid)
            self.assertEqual(fields["NoNewPrivs"].strip(), "1", what)
            self.assertEqual(fields["Seccomp"].strip(), "2", what)
            self.assertNotEqual(fields["Uid"].split()[0], "0", what)


def creds(status):
    """(uid, gid, [groups]) of a /proc/PID/status text."""
    fields = dict(line.split(":", 1) for line in status.splitlines()
                  if ":" in line)
    return (int(fields["Uid"].split()[0]), int(fields["Gid"].split()[0]),
            [int(g) for g in fields["Groups"].split()])


def can_read_as(cred, path):
    """True if a process with credentials cred may open path for reading
    (a child takes them on, so the kernel's own check answers)."""
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            uid, gid, groups = cred
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            try:
                with open(path, "rb"):
                    code = 0
            except PermissionError:
                code = 1
        finally:
            os._exit(code)
    _, st = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(st)
    if code not in (0, 1):
        raise AssertionError("the child checking %s failed" % path)
    return code == 0


@unittest.skipUnless(ROOT, "the verifiers' own user exists only as root")
@not_under_cgi("one process per request, every one as the user CGI runs "
               "as: none is left to read from /proc, and jwks has no user "
               "of its own")
class VerifierKeysTest(E2ETestCase):
    """jwks and the authorizer check tokens with the public keys alone:
    they run as a user that cannot read a private key, the signing
    endpoints as one that can."""

    def test_verifiers_cannot_read_private_keys(self):
        self.assertEqual(request("GET", "/.well-known/jwks.json").status, 200)
        self.assertEqual(request("GET", "/samples/private/index.txt").status,
                         401)
        kd = config_value("keys_dir")
        with open(os.path.join(kd, "active")) as f:
            kid = f.read().strip()
        kid_pub = os.path.join(kd, kid + ".pub")
        kid_key = os.path.join(kd, kid + ".key")
        self.assertTrue(os.path.isfile(kid_key), kid_key)
        procs = endpoint_status(stack_prefix())
        by_name = {}
        for name, status in procs.values():
            by_name.setdefault(name, creds(status))
        for want in ("authorizer.fcgi", "jwks.fcgi", "login.fcgi"):
            self.assertIn(want, by_name)
        signer = by_name["login.fcgi"]
        self.assertTrue(can_read_as(signer, kid_key))
        for name in ("authorizer.fcgi", "jwks.fcgi"):
            cred = by_name[name]
            self.assertNotEqual(cred[0], signer[0], name)
            self.assertTrue(can_read_as(cred, kid_pub), name)
            self.assertTrue(can_read_as(cred, CONFIG), name)
            self.assertFalse(can_read_as(cred, kid_key), name)

