#!/usr/bin/env bash
# Sets tsamp and its test dependencies up on a Debian machine and runs the whole test suite:
# TypeScript units (vitest), then the kernel through real Jupyter clients (jupyter_kernel_test's
# conformance suite and our own jupyter_client suite).
set -uo pipefail
cd "$(dirname "$0")"

bash install.sh --no-start || exit 1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
/usr/bin/python3 -c "import jupyter_client, jupyter_kernel_test, nbclient" 2>/dev/null ||
  need+=(python3-jupyter-client python3-jupyter-kernel-test python3-nbclient)
dpkg -s python3-ipykernel >/dev/null 2>&1 || need+=(python3-ipykernel)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> test dependencies: ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || exit 1
fi

# The kernel under test gets its own kernelspecs, data dir and history, away from the user's.
export TSAMP_TEST_HOME="$(mktemp -d)"
trap 'rm -rf "$TSAMP_TEST_HOME"' EXIT
export JUPYTER_PATH="$TSAMP_TEST_HOME/share/jupyter"
export JUPYTER_DATA_DIR="$TSAMP_TEST_HOME/data"
export JUPYTER_RUNTIME_DIR="$TSAMP_TEST_HOME/runtime"
node dist/kernel/main.js install --prefix "$TSAMP_TEST_HOME" --name tsamp-test >/dev/null
node dist/kernel/main.js install --prefix "$TSAMP_TEST_HOME" --name tsamp-test-signal --interrupt-mode signal >/dev/null

passed=0
failed=0
record() { # suite-name passed failed
  echo "--> $1: $2 passed, $3 failed"
  passed=$((passed + $2)); failed=$((failed + $3))
}

echo "==> vitest"
report="$TSAMP_TEST_HOME/vitest.json"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
vitest_rc=$?
if [ -f "$report" ]; then
  read -r p f < <(node -e 'const r=require(process.argv[1]);console.log(r.numPassedTests, r.numFailedTests + (r.numFailedTestSuites||0))' "$report")
else
  p=0; f=1
fi
[ "$vitest_rc" != 0 ] && [ "$f" = 0 ] && f=1
record vitest "$p" "$f"

for suite in test/kernel/test_*.py; do
  echo "==> $suite"
  out="$TSAMP_TEST_HOME/$(basename "$suite").out"
  /usr/bin/python3 test/kernel/run_suite.py "$suite" 2>&1 | tee "$out"
  read -r p f < <(grep -E '^SUITE-RESULT ' "$out" | tail -1 | cut -d' ' -f2,3)
  record "$(basename "$suite")" "${p:-0}" "${f:-1}"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
