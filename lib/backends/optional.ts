// The GPU and libtensorflow backends: optional packages, loaded only when present (DESIGN.md
// section 5). tfjs-node and tfjs-node-gpu download libtensorflow when installed, which CI networks
// refuse, so they are not dependencies; webgpu in Node needs Dawn (the `webgpu` package) and a
// GPU adapter, which on a CPU-only Linux machine means Mesa >= 24's lavapipe Vulkan driver.
import * as tf from "../tf.js";
import { PACKAGE, type BackendName } from "./names.js";
import { importPackage, resolvePackage } from "./packages.js";

const DAWN_PACKAGE = "webgpu";

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
  if (name === "webgpu") return hasNavigatorGpu() || resolvePackage(DAWN_PACKAGE) !== null;
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

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

function navigatorGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

function hasNavigatorGpu(): boolean {
  return navigatorGpu() !== undefined;
}

export async function prepareWebgpu(): Promise<void> {
  const pkg = PACKAGE.webgpu;
  if (resolvePackage(pkg) === null) {
    throw notInstalled("webgpu", pkg, `Install it with npm install ${pkg}@${tf.version_core} ${DAWN_PACKAGE}.`);
  }
  if (!hasNavigatorGpu()) {
    // Node has no navigator.gpu of its own: Dawn's bindings (the `webgpu` package) provide it.
    if (resolvePackage(DAWN_PACKAGE) === null) {
      throw notInstalled(
        "webgpu",
        DAWN_PACKAGE,
        `In Node, WebGPU comes from Dawn's bindings: npm install ${DAWN_PACKAGE}.`,
      );
    }
    const dawn = (await importPackage(DAWN_PACKAGE)) as {
      create?: (flags: string[]) => GpuLike;
      globals?: Record<string, unknown>;
    };
    if (typeof dawn.create !== "function") {
      throw new Error(`backend "webgpu": the ${DAWN_PACKAGE} package has no create(); is it Dawn's bindings?`);
    }
    Object.assign(globalThis, dawn.globals ?? {});
    const g = globalThis as { navigator?: Record<string, unknown> };
    if (g.navigator === undefined) g.navigator = {};
    Object.defineProperty(g.navigator, "gpu", { value: dawn.create([]), configurable: true });
  }
  await requireAdapter(navigatorGpu()!);
  await importPackage(pkg);
  checkRegistered("webgpu", "webgpu");
}

/** Fails with what to install when WebGPU is there but offers no adapter (no GPU, no usable driver). */
export async function requireAdapter(gpu: GpuLike): Promise<void> {
  const adapter = await gpu.requestAdapter();
  if (adapter == null) {
    throw new Error(
      `backend "webgpu": no GPU adapter (navigator.gpu.requestAdapter() returned null). Without a GPU, ` +
        `Dawn needs a Vulkan driver it accepts: Mesa >= 24's lavapipe (Debian bookworm-backports' ` +
        `mesa-vulkan-drivers); bookworm's Mesa 22.3 does not work.`,
    );
  }
}
