#!/usr/bin/env bash
# Sets tsamp and its test dependencies up on a Debian machine and runs the whole test suite:
# TypeScript units and the browser test (vitest), then the kernel through real Jupyter clients
# (jupyter_kernel_test's conformance suite, our jupyter_client suite, every notebook via nbclient).
set -uo pipefail
cd "$(dirname "$0")"

bash install.sh --no-start || exit 1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
/usr/bin/python3 -c "import jupyter_client, jupyter_kernel_test, nbclient" 2>/dev/null ||
  need+=(python3-jupyter-client python3-jupyter-kernel-test python3-nbclient)
dpkg -s python3-ipykernel >/dev/null 2>&1 || need+=(python3-ipykernel)
# The browser test: Debian's classic notebook server, nbconvert for the offline HTML export, and
# headless Chromium driven by playwright-core.
command -v jupyter-notebook >/dev/null || need+=(jupyter-notebook)
dpkg -s python3-nbconvert >/dev/null 2>&1 || need+=(python3-nbconvert)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> test dependencies: ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || exit 1
fi

# >>> webgpu: a Vulkan driver on CPU, so the WGSL kernels run in CI (owner: webgpu backend) >>>
# Dawn (the `webgpu` npm package) finds an adapter through Vulkan; without a GPU that is Mesa's
# lavapipe, and only Mesa >= 24 works with Dawn: bookworm has 22.3, bookworm-backports 25.x.
# Idempotent: does nothing once a Mesa >= 24 lavapipe and the Vulkan loader are installed.
if command -v dpkg-query >/dev/null; then
  mesa_vk=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  if ! dpkg --compare-versions "${mesa_vk:-0}" ge 24 || ! dpkg -s libvulkan1 >/dev/null 2>&1; then
    echo "==> Vulkan on CPU for the webgpu tests: mesa-vulkan-drivers (Mesa >= 24) and libvulkan1"
    target=()
    if grep -qs '^VERSION_CODENAME=bookworm$' /etc/os-release; then
      if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        # Backports from the same Debian mirror this machine already uses (one-line or deb822 sources).
        mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
          grep -E '^(deb|URIs:)[[:space:]]' | grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' | head -n 1 | tr -d '[:space:]')
        [ -n "$mirror" ] || { echo "test.sh: no Debian mirror found in /etc/apt sources for bookworm-backports" >&2; exit 1; }
        echo "deb $mirror bookworm-backports main" | as_root tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
      fi
      target=(-t bookworm-backports)
    fi
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${target[@]}" \
      mesa-vulkan-drivers libvulkan1 >/dev/null || exit 1
    mesa_vk=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  fi
  # With lavapipe in place, a missing WebGPU adapter is a failure, not a skipped test.
  dpkg --compare-versions "${mesa_vk:-0}" ge 24 && export TSAMP_REQUIRE_WEBGPU=1
fi
# <<< webgpu <<<

# Missing browser pieces fail the browser test instead of skipping it; screenshots are kept here.
export TSAMP_REQUIRE_BROWSER=1
export TSAMP_ARTIFACTS="$PWD/.tsamp-artifacts/browser"

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
  # A skipped or todo test is a check that did not run: it counts as a failure here.
  read -r p f < <(node -e 'const r=require(process.argv[1]);console.log(r.numPassedTests, r.numFailedTests + (r.numFailedTestSuites||0) + (r.numPendingTests||0) + (r.numTodoTests||0))' "$report")
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
echo "Browser screenshots: $TSAMP_ARTIFACTS"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
