#!/usr/bin/env python3
"""Runs the black-box suite: every tests/e2e/test_*.py, then the
storage-at-rest check, the Redis outage and the database outage last.
Prints "N passed, N failed" (", N skipped" if any) and exits 1 on any
failure or error.

Usage: run.py [module-or-test-id ...]   e.g. run.py test_login
                                          run.py test_refresh.RefreshTest
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# Run last, in this order: modules or module.Class names.
LAST = ["test_at_rest", "test_ratelimit.RedisOutageTest",
        "test_authorizer_limit.RedisOutageTest", "test_outage"]

REQUIRED_ENV = ("AUTH_BASE_URL", "AUTH_BASE_URL_ALT", "AUTH_BASE_URL_RL",
                "AUTH_BASE_URL_RL2", "AUTH_DATABASE_URL", "AUTH_CONFIG",
                "AUTHCTL", "AUTH_TEST_CTL", "AUTH_STACK_DIR",
                "AUTH_MAIL_DIR")


def ordered_modules():
    mods = sorted(f[:-3] for f in os.listdir(HERE)
                  if f.startswith("test_") and f.endswith(".py"))
    return [m for m in mods if m not in LAST] + \
        [n for n in LAST if n.split(".")[0] in mods]


def tests_of(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from tests_of(t)
        else:
            yield t


def load(loader, name, ordered):
    """The tests of name; in the default order, without those of a class
    that LAST runs later."""
    suite = loader.loadTestsFromName(name)
    if not ordered:
        return suite
    later = tuple(n + "." for n in LAST if n.startswith(name + "."))
    if not later:
        return suite
    return unittest.TestSuite(t for t in tests_of(suite)
                              if not t.id().startswith(later))


def main(argv):
    missing = [k for k in REQUIRED_ENV if not os.environ.get(k)]
    if missing:
        print("e2e: missing environment: %s (run through tests/run-e2e)"
              % ", ".join(missing), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    sys.path.insert(0, HERE)
    loader = unittest.defaultTestLoader
    names = argv or ordered_modules()
    suite = unittest.TestSuite()
    for n in names:
        suite.addTests(load(loader, n, not argv))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout,
                                     buffer=False).run(suite)
    # Subtest failures count once per test; a failed setUpClass counts once.
    failing, ran_failing = set(), set()
    for t, _ in result.failures + result.errors:
        t = getattr(t, "test_case", t)
        failing.add(t.id())
        if isinstance(t, unittest.TestCase):
            ran_failing.add(t.id())
    for t in result.unexpectedSuccesses:
        failing.add(t.id())
        ran_failing.add(t.id())
    failed = len(failing)
    skipped = len(result.skipped)
    passed = result.testsRun - len(ran_failing) - skipped \
        - len(result.expectedFailures)
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
        for t, why in result.skipped:
            print("skipped: %s: %s" % (t.id(), why))
    print(line)
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
