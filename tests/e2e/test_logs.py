"""The endpoint log as an operator reads it: each process's start line names
the release, and the fail2ban filter of samples/fail2ban/ finds every failed
sign-in (the API's and the login page's) by the client address of its
request line, and nothing else."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from helpers import (STACK_DIR, Browser, E2ETestCase, create_user, login,
                     new_email, new_ip, request)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FILTER = os.path.join(TOP, "samples", "fail2ban", "filter.d", "authd.conf")
JAIL = os.path.join(TOP, "samples", "fail2ban", "jail.d", "authd.conf")
LOG = os.path.join(STACK_DIR, "log", "endpoints.log")
MAILER_LOG = os.path.join(STACK_DIR, "log", "mailer.log")


def release():
    """The version of configure.ac's AC_INIT."""
    with open(os.path.join(TOP, "configure.ac")) as f:
        m = re.search(r"^AC_INIT\(\[authd\], \[([^]]+)\]", f.read(), re.M)
    if m is None:
        raise AssertionError("no AC_INIT version in configure.ac")
    return m.group(1)


def log_lines(path):
    with open(path) as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue


class StartLineTest(E2ETestCase):

    def test_every_process_names_the_release(self):
        self.assertEqual(request("GET", "/.well-known/jwks.json").status, 200)
        self.assertEqual(request("GET", "/samples/private/index.txt").status,
                         401)
        want = "started: authd " + release()
        started, served = set(), set()
        for o in log_lines(LOG):
            if o.get("msg") == want:
                started.add(o["endpoint"])
            elif "status" in o:
                served.add(o["endpoint"])
        self.assertIn("jwks", served)
        self.assertIn("authorizer", served)
        self.assertEqual(served - started, set())
        mailer = [o.get("msg", "") for o in log_lines(MAILER_LOG)]
        self.assertTrue(any(m.startswith("started: auth-mailer %s, "
                                         % release()) for m in mailer),
                        mailer[:5])


def banned_ips():
    """The address of every failure fail2ban-regex finds in the log."""
    p = subprocess.run(["fail2ban-regex", "-o", "ip", LOG, FILTER],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("fail2ban-regex: %s" % p.stderr)
    return p.stdout.split()


class Fail2banTest(E2ETestCase):

    def test_failed_sign_ins_are_found_by_address(self):
        user = create_user("f2b")
        guesser, owner = new_ip(), new_ip()
        for _ in range(3):
            self.assertEqual(login(user.email, user.password + "x",
                                   ip=guesser).status, 401)
        self.assertEqual(login(new_email("f2b-none"), user.password,
                               ip=guesser).status, 401)
        b = Browser(ip=guesser)
        r = b.submit(b.get("/login"), "login",
                     {"email": user.email, "password": "not" + user.password})
        self.assertEqual(r.status, 401)
        self.assertEqual(login(user.email, user.password, ip=owner).status,
                         200)
        # The endpoint writes its line after the answer.
        deadline = time.monotonic() + 10
        while True:
            found = banned_ips()
            if found.count(guesser) >= 5 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(found.count(guesser), 5, found[-20:])
        self.assertNotIn(owner, found)

    def test_the_jail_loads_with_the_filter(self):
        """fail2ban's own configuration reader takes the jail and the
        filter beside Debian's defaults (only the log path moved)."""
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "fail2ban")
            shutil.copytree("/etc/fail2ban", conf)
            for name in os.listdir(os.path.join(conf, "jail.d")):
                os.unlink(os.path.join(conf, "jail.d", name))
            shutil.copy(FILTER, os.path.join(conf, "filter.d"))
            with open(JAIL) as f:
                jail = f.read()
            self.assertIn("logpath  = /var/log/authd/endpoints.log\n", jail)
            jail = jail.replace("/var/log/authd/endpoints.log", LOG)
            with open(os.path.join(conf, "jail.d", "authd.conf"), "w") as f:
                f.write(jail)
            p = subprocess.run(["fail2ban-client", "-c", conf, "-d"],
                               stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("['add', 'authd', 'auto']", p.stdout)
        self.assertIn("['set', 'authd', 'maxretry', 10]", p.stdout)
        self.assertIn("'addlogpath', '%s'" % LOG, p.stdout)
        self.assertIn("'addfailregex', '^,\"level\"", p.stdout)

if __name__ == "__main__":
    unittest.main()
