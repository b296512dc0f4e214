"""run.py — run every tests/e2e/test_*.py and print 'e2e: N passed, M failed, K skipped'."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py")
result = unittest.TextTestRunner(verbosity=1, stream=sys.stdout).run(suite)
bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped)
print("e2e: %d passed, %d failed, %d skipped" % (result.testsRun - bad - skipped, bad, skipped))
sys.exit(1 if bad else 0)
