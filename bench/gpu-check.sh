#!/usr/bin/env bash
# GPU checks for tsamp (DESIGN.md section 9), for a machine with a GPU: which node runs, the GPU
# and Vulkan driver the machine shows, then bench/gpu-check.mjs (adapter, every vector bit for bit,
# seeded stochastic rounding against the cpu kernel, quantize vs tf.mul throughput) on webgpu, on
# tensorflow-gpu when @tensorflow/tfjs-node-gpu is installed, and on wasm as the CPU reference.
#
# Runs from the repository (after npm run build) or from the bundle made by
# bench/gpu-check-bundle.sh, whose own node binary (bin/node) it prefers. Arguments go to the .mjs
# (--backends=..., --sizes=..., --quick). Exit status is the .mjs's: 0 passed, 1 a check failed,
# 2 no GPU backend started.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

echo "== machine"
echo "which node: $(command -v node || echo 'none on PATH')"
if [ -x "$root/bin/node" ]; then
  node_bin="$root/bin/node"
elif command -v node >/dev/null; then
  node_bin="$(command -v node)"
else
  echo "gpu-check: no node binary (neither $root/bin/node nor node on PATH)" >&2
  exit 1
fi
echo "using: $node_bin ($("$node_bin" --version 2>&1))"
uname -srm
grep -m1 PRETTY_NAME /etc/os-release 2>/dev/null
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/GPU: /'
fi
ls /dev/dri/renderD* /dev/nvidia[0-9]* /dev/kfd /dev/dxg 2>/dev/null | tr '\n' ' ' | sed 's/^/GPU device nodes: /'; echo
icds=$(ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ /usr/local/share/vulkan/icd.d/ 2>/dev/null | grep json | tr '\n' ' ')
[ -n "$icds" ] || icds="none (Dawn needs one: nvidia_icd.json comes with the Vulkan part of the NVIDIA driver, Mesa ones with mesa-vulkan-drivers)"
echo "Vulkan ICDs: $icds"
ldcache="$(mktemp)"
{ command -v ldconfig >/dev/null && ldconfig -p || /sbin/ldconfig -p; } >"$ldcache" 2>/dev/null
have_lib() { grep -q "^[[:space:]]*$1 " "$ldcache"; }
have_lib libvulkan.so.1 && echo "Vulkan loader: libvulkan.so.1 found" || echo "Vulkan loader: libvulkan.so.1 not on the system"
# The bundle's lib/ (see gpu-check-bundle.sh) fills in what the system lacks, and only that.
if [ -d "$root/lib" ]; then
  links="$(mktemp -d)"
  used=()
  for f in "$root"/lib/*.so*; do
    l="$(basename "$f")"
    if ! have_lib "$l"; then ln -s "$f" "$links/$l"; used+=("$l"); fi
  done
  if [ ${#used[@]} -gt 0 ]; then
    export LD_LIBRARY_PATH="$links${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "bundled libraries used (missing here): ${used[*]}"
  fi
fi
# NVIDIA's Vulkan driver is libGLX_nvidia.so.0; it needs a manifest (nvidia_icd.json) and loads
# libEGL_nvidia through glvnd, which needs a vendor file. Containers started without the "graphics"
# driver capability may have the libraries but not these files; then we write them.
if have_lib libGLX_nvidia.so.0 && ! grep -qs nvidia /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json && [ -z "${VK_ICD_FILENAMES:-}" ]; then
  icd="$(mktemp --suffix=.json)"
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "libGLX_nvidia.so.0", "api_version": "1.3.0" } }\n' >"$icd"
  export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
  echo "Vulkan ICD: libGLX_nvidia.so.0 is here without nvidia_icd.json: using $icd"
fi
if have_lib libEGL_nvidia.so.0 && ! ls /usr/share/glvnd/egl_vendor.d/*nvidia* /etc/glvnd/egl_vendor.d/*nvidia* >/dev/null 2>&1 &&
  [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]; then
  egl="$(mktemp --suffix=.json)"
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "libEGL_nvidia.so.0" } }\n' >"$egl"
  export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
  echo "EGL vendor: libEGL_nvidia.so.0 is here without 10_nvidia.json: using $egl"
fi
rm -f "$ldcache"
echo

exec "$node_bin" "$here/gpu-check.mjs" "$@"
