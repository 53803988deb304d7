// The GPU and libtensorflow backends: optional packages, loaded only when present (DESIGN.md
// section 5). tfjs-node and tfjs-node-gpu download libtensorflow when installed, which CI networks
// refuse, so they are not dependencies; webgpu in Node needs Dawn (the `webgpu` package) and a
// GPU adapter, which on a CPU-only Linux machine means Mesa >= 24's lavapipe Vulkan driver.
import * as tf from "../tf.js";
import { PACKAGE, type BackendName } from "./names.js";
import { importPackage, resolvePackage } from "./packages.js";
import {
  DAWN_PACKAGE,
  explainSyncReads,
  installNavigatorGpu,
  linuxHasGpuDevice,
  noAdapterError,
  probeAdapter,
  requestAdapter,
  webgpuEntry,
  type GpuLike,
  type WebgpuAdapterInfo,
} from "./webgpu.js";

function notInstalled(name: BackendName, pkg: string, how: string): Error {
  return new Error(`backend "${name}" needs the npm package ${pkg}, which is not installed. ${how}`);
}

function checkRegistered(name: BackendName, tfjsName: string): void {
  if (tf.findBackendFactory(tfjsName) == null) {
    throw new Error(
      `backend "${name}": ${PACKAGE[name]} loaded but registered "${tfjsName}" with another copy of ` +
        `@tensorflow/tfjs-core; install versions matching tsamp's (${tf.version_core})`,
    );
  }
}

/** Whether the packages a backend needs can be found (without loading them). */
export function optionalInstalled(name: "tensorflow" | "tensorflow-gpu" | "webgpu"): boolean {
  if (resolvePackage(PACKAGE[name]) === null) return false;
  if (name === "webgpu") {
    const hasGpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined;
    return hasGpu || resolvePackage(DAWN_PACKAGE) !== null;
  }
  return true;
}

let tensorflowVariant: "tensorflow" | "tensorflow-gpu" | null = null;

/** Which tfjs-node package registered the "tensorflow" backend, if one did. */
export function loadedTensorflowVariant(): "tensorflow" | "tensorflow-gpu" | null {
  return tensorflowVariant;
}

export async function prepareTensorflow(name: "tensorflow" | "tensorflow-gpu"): Promise<void> {
  if (tensorflowVariant === name) return;
  if (tensorflowVariant !== null) {
    throw new Error(
      `backend "${name}": ${PACKAGE[tensorflowVariant]} is already loaded and both register as ` +
        `"tensorflow"; restart the kernel to switch between them`,
    );
  }
  const pkg = PACKAGE[name];
  if (resolvePackage(pkg) === null) {
    const gpu = name === "tensorflow-gpu" ? " It needs CUDA 11.2 and cuDNN 8.1." : "";
    throw notInstalled(
      name,
      pkg,
      `It downloads libtensorflow while installing, so tsamp keeps it optional: ` +
        `run install.sh --gpu, or npm install ${pkg}@${tf.version_core}.${gpu}`,
    );
  }
  try {
    await importPackage(pkg);
  } catch (err) {
    throw new Error(`backend "${name}": ${pkg} is installed but failed to load: ${(err as Error).message}`);
  }
  checkRegistered(name, "tensorflow");
  tensorflowVariant = name;
}

let webgpuPrepared = false;

/**
 * Makes the webgpu backend startable: Dawn's navigator.gpu in Node (webgpu.ts), an adapter, and
 * tfjs-backend-webgpu imported (it registers "webgpu" at import, and only when navigator.gpu exists).
 */
export async function prepareWebgpu(): Promise<void> {
  if (webgpuPrepared) return;
  const pkg = PACKAGE.webgpu;
  if (resolvePackage(pkg) === null) {
    throw notInstalled("webgpu", pkg, `Install it with npm install ${pkg}@${tf.version_core} ${DAWN_PACKAGE}.`);
  }
  // Looked at before any global changes, so a machine without an adapter is left as it was.
  await requireAdapter(await webgpuEntry());
  await installNavigatorGpu();
  explainSyncReads(await importPackage(pkg));
  checkRegistered("webgpu", "webgpu");
  webgpuPrepared = true;
}

/** Fails with what to install when WebGPU is there but offers no adapter (no GPU, no usable driver). */
export async function requireAdapter(gpu: GpuLike): Promise<void> {
  if ((await requestAdapter(gpu)) === null) throw noAdapterError();
}

/**
 * Why backends.auto() should pass over webgpu here, or null to try it. A CPU adapter (lavapipe,
 * SwiftShader) runs the WGSL kernels correctly but slower than the wasm backend on the same cores,
 * so auto() leaves it to an explicit backends.use("webgpu"). No adapter at all is not a reason to
 * skip: use() then fails with the message that says what to install.
 */
export async function webgpuAutoSkipReason(): Promise<string | null> {
  if (resolvePackage(PACKAGE.webgpu) === null) return null;
  const anyway = `backends.use("webgpu") starts it anyway`;
  if (linuxHasGpuDevice() === false) {
    return `no GPU device here (no /dev/dri/renderD*, /dev/nvidia*, /dev/kfd or /dev/dxg), so WebGPU could only run on a CPU adapter (lavapipe), slower than the wasm backend; ${anyway}`;
  }
  let info: WebgpuAdapterInfo | null;
  try {
    info = await probeAdapter();
  } catch {
    return null; // use() reports it
  }
  if (info === null || !info.software) return null;
  const name = info.description || info.device || info.vendor || "unknown";
  return `the only WebGPU adapter is a CPU one (${name}), slower than the wasm backend on the same cores; ${anyway}`;
}
