#!/usr/bin/env bash
# Packs bench/gpu-check into one self-contained tar.gz (under 64 MiB) for a machine with a GPU that
# has neither this repository nor network access (DESIGN.md section 9): this machine's node binary,
# the built library (dist/lib, without maps and .d.ts), the vectors, and of node_modules only what
# runs: each tfjs package's Node bundle, the wasm binaries, and Dawn's dawn.node for this platform
# only (the `webgpu` package ships five platforms, ~130 MB).
#
#   bench/gpu-check-bundle.sh [out.tar.gz]     (default .tsamp-artifacts/gpu-check.tar.gz)
#   then, on the GPU machine:  tar xzf gpu-check.tar.gz && tsamp-gpu-check/bench/gpu-check.sh
#
# Builds first when dist/ is missing or older than lib/. @tensorflow/tfjs-node-gpu is not bundled
# (libtensorflow is far over the limit): gpu-check uses it where it is installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/.tsamp-artifacts/gpu-check.tar.gz}"
limit=$((64 * 1024 * 1024))
cd "$root"

if [ ! -f dist/lib/index.js ] || [ -n "$(find lib -name '*.ts' -newer dist/lib/index.js -print -quit)" ]; then
  echo "==> npm run build"
  npm run --silent build
fi
vectors="${TSAMP_VECTORS:-$root/../shared/vectors}"
[ -d "$vectors" ] || { echo "gpu-check-bundle: no vectors at $vectors (set TSAMP_VECTORS)" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
b="$stage/tsamp-gpu-check"
mkdir -p "$b/bin" "$b/bench" "$b/vectors" "$b/node_modules"

node_bin="$(readlink -f "$(command -v node)")"
cp "$node_bin" "$b/bin/node"
cp bench/gpu-check.sh bench/gpu-check.mjs bench/op-timing.mjs "$b/bench/"
cp "$vectors"/*.json "$b/vectors/"
# dist/lib's .js files are ES modules: the bundle's package.json says so.
printf '{ "name": "tsamp-gpu-check", "private": true, "type": "module" }\n' >"$b/package.json"
mkdir -p "$b/dist" && (cd dist && find lib -name '*.js' -print0 | xargs -0 cp --parents -t "$b/dist/")

# One package: its package.json, plus the listed files (relative to the package).
add() {
  local pkg="$1"; shift
  local src="node_modules/$pkg" dst="$b/node_modules/$pkg"
  [ -d "$src" ] || { echo "  (not installed: $pkg)"; return 0; }
  mkdir -p "$dst"
  cp "$src/package.json" "$dst/"
  for f in "$@"; do
    mkdir -p "$dst/$(dirname "$f")"
    cp -r "$src/$f" "$dst/$f"
  done
}
main_of() { node -p "require('./node_modules/$1/package.json').main"; }
for pkg in @tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-webgpu; do
  add "$pkg" "$(main_of "$pkg")"
done
add @tensorflow/tfjs-backend-wasm "$(main_of @tensorflow/tfjs-backend-wasm)" \
  dist/tfjs-backend-wasm.wasm dist/tfjs-backend-wasm-simd.wasm dist/tfjs-backend-wasm-threaded-simd.wasm
# tfjs-core's Node bundle requires seedrandom, and node-fetch when it fetches (lazily).
for pkg in seedrandom long node-fetch whatwg-url tr46 webidl-conversions; do
  [ -d "node_modules/$pkg" ] && cp -r "node_modules/$pkg" "$b/node_modules/"
done
# Libraries for GPU machines whose driver came without them; gpu-check.sh uses each one only where
# the system has none: the Vulkan loader (Dawn dlopens libvulkan.so.1), glvnd's libEGL (NVIDIA's
# Vulkan driver loads it even headless; an H200 container with Ubuntu 24.04 lacked it) and the X11
# client libraries that driver links. Copied from this machine (Debian bookworm, glibc 2.36).
mkdir -p "$b/lib"
for l in libvulkan.so.1 libEGL.so.1 libGLdispatch.so.0 libX11.so.6 libXext.so.6 libxcb.so.1 libXau.so.6 libXdmcp.so.6 libbsd.so.0 libmd.so.0; do
  f="$(/sbin/ldconfig -p 2>/dev/null | awk -v L="$l" '$1 == L && /x86-64|AArch64/ {print $NF; exit}')"
  if [ -n "$f" ]; then cp -L "$f" "$b/lib/$l"; else echo "  (not on this machine, not bundled: $l)"; fi
done
platform="$(node -p 'process.platform === "darwin" ? "darwin-universal" : `${process.platform}-${process.arch}`')"
add webgpu index.js "dist/$platform"

# The bundle must load on its own: import what gpu-check imports, with the bundled node.
(cd "$b" && ./bin/node --input-type=module -e '
  for (const m of ["tf", "backends/index", "backends/webgpu", "formats/index", "formats/kernels/register"])
    await import(`./dist/lib/${m}.js`);
  await import("webgpu");
  console.log("bundle loads: ok");
')

mkdir -p "$(dirname "$out")"
tar -C "$stage" -czf "$out" tsamp-gpu-check
size=$(stat -c %s "$out")
echo "$out: $((size / 1024 / 1024)) MiB ($size bytes; node $("$node_bin" --version), dawn.node $platform)"
if [ "$size" -ge "$limit" ]; then
  echo "gpu-check-bundle: over 64 MiB" >&2
  exit 1
fi
