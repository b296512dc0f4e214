"""run.py — run every tests/e2e/test_*.py and print 'e2e: N passed, M failed, K skipped'
('e2e-pg: …' when ALGOREG_TEST_BACKEND=postgresql: the same tests on PostgreSQL)."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py")
result = unittest.TextTestRunner(verbosity=1, stream=sys.stdout).run(suite)
bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped)
name = "e2e-pg" if os.environ.get("ALGOREG_TEST_BACKEND") == "postgresql" else "e2e"
print("%s: %d passed, %d failed, %d skipped" % (name, result.testsRun - bad - skipped, bad, skipped))
sys.exit(1 if bad else 0)
