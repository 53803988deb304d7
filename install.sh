#!/usr/bin/env bash
# Sets tsamp up on a Debian machine (as root, or as a user with sudo) and starts Jupyter on the
# tutorial notebooks. `install.sh --no-start` sets up without starting Jupyter.
set -euo pipefail
cd "$(dirname "$0")"

start=1
for arg in "$@"; do
  case "$arg" in
    --no-start) start=0 ;;
    *) echo "install.sh: unknown option $arg (allowed: --no-start)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "install.sh: tsamp needs Node.js 20 or newer on PATH (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

echo "==> npm dependencies"
npm ci --no-audit --no-fund --loglevel=error

echo "==> build"
npm run --silent build

echo "==> kernelspec"
node dist/kernel/main.js install

if ! command -v jupyter-lab >/dev/null && ! command -v jupyter-notebook >/dev/null; then
  echo "==> Jupyter frontend (Debian's jupyter-notebook)"
  apt_install jupyter-notebook python3-ipykernel
fi

if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null; then
  echo "==> Fashion-MNIST (Debian's dataset-fashion-mnist, used by the tutorials)"
  apt_install dataset-fashion-mnist || echo "install.sh: dataset-fashion-mnist unavailable; notebooks fall back to synthetic data"
fi

echo "tsamp is installed: pick \"TypeScript (tsamp)\" in Jupyter."
if [ "$start" = 1 ]; then
  frontend=$(command -v jupyter-lab || command -v jupyter-notebook)
  root_flag=()
  [ "$(id -u)" = 0 ] && root_flag=(--allow-root)
  exec "$frontend" "${root_flag[@]}" --notebook-dir="$PWD/notebooks"
fi
