// WebGPU in Node (DESIGN.md section 5). Node has no navigator.gpu of its own: Dawn's bindings, the
// `webgpu` npm package (prebuilt dawn.node binaries inside the package, nothing fetched at install),
// provide one. On a machine without a GPU, Dawn's Vulkan backend runs on Mesa's lavapipe (llvmpipe),
// but only Mesa >= 24 works: Debian bookworm's 22.3 does not, bookworm-backports' 25.x does.
//
// This module finds the adapter and describes it; optional.ts starts the tfjs backend on it. The
// adapter probe does not touch globalThis, so backends.auto() can look at the adapter (and decline a
// CPU one) without changing the process for the backend it ends up choosing.
import { existsSync, readdirSync } from "node:fs";
import { importPackage, resolvePackage } from "./packages.js";

/** The npm package with Dawn's Node bindings. */
export const DAWN_PACKAGE = "webgpu";

/** The part of GPU (navigator.gpu) used here. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: "low-power" | "high-performance" }): Promise<unknown>;
}

interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  features?: Iterable<string>;
}

/** What an adapter says about itself, plus our reading of whether it is a CPU (software) one. */
export interface WebgpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasterizer (lavapipe/llvmpipe, SwiftShader, WARP): slower than the wasm backend. */
  software: boolean;
  features: string[];
}

/** The Dawn module: `create(flags)` makes a GPU, `globals` are the WebGPU interface objects. */
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

function navigatorGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

let dawn: { module: DawnModule; gpu: GpuLike } | null = null;

async function loadDawn(): Promise<{ module: DawnModule; gpu: GpuLike }> {
  if (dawn !== null) return dawn;
  if (resolvePackage(DAWN_PACKAGE) === null) {
    throw new Error(
      `backend "webgpu" needs the npm package ${DAWN_PACKAGE} (Dawn's Node bindings), which is not installed. ` +
        `In Node, WebGPU comes from it: npm install ${DAWN_PACKAGE}.`,
    );
  }
  let module: DawnModule;
  try {
    module = (await importPackage(DAWN_PACKAGE)) as unknown as DawnModule;
  } catch (err) {
    // dawn.node is prebuilt per platform (linux-x64/arm64, darwin, win32); elsewhere it cannot load.
    throw new Error(
      `backend "webgpu": the ${DAWN_PACKAGE} package failed to load on ${process.platform}-${process.arch}: ` +
        (err as Error).message,
    );
  }
  if (typeof module.create !== "function" || typeof module.globals !== "object") {
    throw new Error(`backend "webgpu": the ${DAWN_PACKAGE} package has no create()/globals; is it Dawn's bindings?`);
  }
  // One Dawn instance per process: each holds the Vulkan instance and its adapters.
  dawn = { module, gpu: module.create([]) };
  return dawn;
}

/** navigator.gpu where the runtime has one (a browser, Deno), else Dawn's (cached) GPU object. */
export async function webgpuEntry(): Promise<GpuLike> {
  return navigatorGpu() ?? (await loadDawn()).gpu;
}

/**
 * Makes Dawn's GPU the process's navigator.gpu, with the WebGPU interface objects tfjs-backend-webgpu
 * uses as globals (GPUBufferUsage, GPUMapMode, GPUShaderStage, GPUTextureUsage, ...). Nothing is
 * replaced that the runtime already defines. tfjs-backend-webgpu registers its backend at import only
 * when navigator.gpu exists, so this must run before that import.
 */
export async function installNavigatorGpu(): Promise<void> {
  if (navigatorGpu() !== undefined) return;
  const { module, gpu } = await loadDawn();
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(module.globals)) {
    if (!(name in g)) g[name] = value;
  }
  // Node 21+ has a navigator object (without gpu); Node 20 has none.
  if (g["navigator"] === undefined) g["navigator"] = {};
  Object.defineProperty(g["navigator"] as object, "gpu", { value: gpu, configurable: true, enumerable: true });
}

/** Requests the adapter tfjs-backend-webgpu will get (it asks for high-performance too). */
export async function requestAdapter(gpu?: GpuLike): Promise<AdapterLike | null> {
  const entry = gpu ?? (await webgpuEntry());
  return ((await entry.requestAdapter({ powerPreference: "high-performance" })) as AdapterLike | null) ?? null;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|warp/i;

export function describeAdapter(adapter: AdapterLike): WebgpuAdapterInfo {
  const info = adapter.info ?? {};
  const str = (k: string) => (typeof info[k] === "string" ? (info[k] as string) : "");
  const fields = { vendor: str("vendor"), architecture: str("architecture"), device: str("device"), description: str("description") };
  // isFallbackAdapter moved from GPUAdapter to GPUAdapterInfo in the spec; Dawn sets it for CPU
  // adapters. The names catch implementations that set neither.
  const fallback = info["isFallbackAdapter"] === true || adapter.isFallbackAdapter === true;
  const software = fallback || Object.values(fields).some((v) => SOFTWARE.test(v));
  return { ...fields, software, features: [...(adapter.features ?? [])].sort() };
}

/** The adapter WebGPU offers here, described; null when there is none. */
export async function probeAdapter(gpu?: GpuLike): Promise<WebgpuAdapterInfo | null> {
  const adapter = await requestAdapter(gpu);
  return adapter === null ? null : describeAdapter(adapter);
}

/**
 * Whether Linux shows a GPU device node: DRM render nodes (Intel, AMD, Mesa drivers), NVIDIA's
 * /dev/nvidia*, AMD's /dev/kfd, WSL2's /dev/dxg. Without one, any Vulkan adapter is a CPU one, so
 * backends.auto() can pass over webgpu without loading Dawn (which costs ~100 ms and, on lavapipe,
 * prints driver warnings). null where device nodes say nothing (macOS, Windows).
 */
export function linuxHasGpuDevice(): boolean | null {
  if (process.platform !== "linux") return null;
  const has = (dir: string, test: (f: string) => boolean) => {
    try {
      return readdirSync(dir).some(test);
    } catch {
      return false;
    }
  };
  return (
    has("/dev/dri", (f) => f.startsWith("renderD")) ||
    has("/dev", (f) => /^nvidia\d+$/.test(f) || f === "kfd" || f === "dxg")
  );
}

const LIB_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/nvidia/lib64",
];

function findLib(name: string): boolean {
  const fromEnv = (process.env["LD_LIBRARY_PATH"] ?? "").split(":").filter((d) => d !== "");
  return [...fromEnv, ...LIB_DIRS].some((d) => existsSync(`${d}/${name}`));
}

function icdManifests(): string[] {
  const dirs = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];
  return dirs.flatMap((d) => {
    try {
      return readdirSync(d).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
  });
}

/**
 * What a machine without an adapter is missing, as far as files on Linux tell: the Vulkan loader
 * (libvulkan1), a Vulkan driver manifest (an ICD, e.g. lavapipe's lvp_icd.json), and on NVIDIA
 * machines the pieces containers often lack: nvidia_icd.json and glvnd's libEGL.so.1, which
 * NVIDIA's Vulkan driver loads even without a display.
 */
function missingVulkanPieces(): string[] {
  if (process.platform !== "linux") return [];
  const missing: string[] = [];
  if (!findLib("libvulkan.so.1")) missing.push("the Vulkan loader libvulkan.so.1 (Debian/Ubuntu: libvulkan1)");
  const icds = icdManifests();
  if (icds.length === 0) missing.push("any Vulkan driver (no ICD manifest in /usr/share/vulkan/icd.d)");
  if (existsSync("/dev/nvidia0")) {
    if (!icds.some((f) => f.includes("nvidia"))) {
      missing.push("NVIDIA's Vulkan manifest nvidia_icd.json (in containers: NVIDIA_DRIVER_CAPABILITIES must include graphics)");
    }
    if (!findLib("libEGL.so.1")) missing.push("glvnd's libEGL.so.1, which NVIDIA's Vulkan driver loads (Debian/Ubuntu: libegl1)");
  }
  return missing;
}

/**
 * tfjs-backend-webgpu reads synchronously (dataSync, arraySync, print, and moving a tensor to another
 * backend) by drawing into an OffscreenCanvas, which Node does not have; it fails with
 * "OffscreenCanvas is not defined". We say instead what works: the asynchronous reads.
 */
export function explainSyncReads(pkg: Record<string, unknown>): void {
  if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== "undefined") return;
  const proto = (pkg["WebGPUBackend"] as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const readSync = proto?.["readSync"];
  if (proto === undefined || typeof readSync !== "function" || (readSync as { tsamp?: boolean }).tsamp) return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    try {
      return (readSync as (...a: unknown[]) => unknown).apply(this, args);
    } catch (err) {
      if (err instanceof ReferenceError && err.message.includes("OffscreenCanvas")) {
        throw new Error(
          `the webgpu backend cannot read a tensor synchronously in Node (dataSync, arraySync, print, or ` +
            `moving a tensor to another backend): use await tensor.data() or await tensor.array()`,
        );
      }
      throw err;
    }
  };
  (wrapped as { tsamp?: boolean }).tsamp = true;
  proto["readSync"] = wrapped;
}

/** The error for "WebGPU is there but offers no adapter", saying what to install. */
export function noAdapterError(): Error {
  const missing = missingVulkanPieces();
  const found = missing.length > 0 ? ` Missing here: ${missing.join("; ")}.` : "";
  return new Error(
    `backend "webgpu": no GPU adapter (navigator.gpu.requestAdapter() returned null). Use a machine with a ` +
      `GPU and its Vulkan driver, or, on CPU, Mesa >= 24's lavapipe: on Debian bookworm, ` +
      `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1 (bookworm's own Mesa 22.3 ` +
      `does not work with Dawn).${found}`,
  );
}
