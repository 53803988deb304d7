"""Runs one unittest file verbosely and prints `SUITE-RESULT passed failed` for test.sh to add up.
A skipped test counts as failed: every check in these suites is meant to run."""
import importlib.util
import sys
import unittest

path = sys.argv[1]
spec = importlib.util.spec_from_file_location("suite", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
suite = unittest.defaultTestLoader.loadTestsFromModule(module)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.skipped) + len(result.unexpectedSuccesses)
for test, reason in result.skipped:
    print(f"SKIPPED (counted as a failure): {test}: {reason}")
print(f"SUITE-RESULT {result.testsRun - failed} {failed}")
sys.exit(0 if failed == 0 else 1)
