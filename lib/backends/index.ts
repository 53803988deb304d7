// `backends`: choose and start a tfjs backend (DESIGN.md section 5). Every backend that starts
// through here has tsamp's kernels registered, so quantize runs as one kernel where one exists.
import * as tf from "../tf.js";
import { registerQuantizeKernels } from "../formats/kernels/register.js";
import { PACKAGE, PREFERENCE, TFJS_NAME, backendName, type BackendName } from "./names.js";
import { quietCpuGreeting } from "./cpu.js";
import {
  loadedTensorflowVariant,
  optionalInstalled,
  prepareTensorflow,
  prepareWebgpu,
  webgpuAutoSkipReason,
} from "./optional.js";
import { packageDir } from "./packages.js";
import { prepareWasm } from "./wasm.js";

export type { BackendName } from "./names.js";

async function prepare(name: BackendName): Promise<void> {
  switch (name) {
    case "cpu":
      return; // lib/tf.ts imports tfjs-backend-cpu
    case "wasm":
      return prepareWasm();
    case "webgpu":
      return prepareWebgpu();
    case "tensorflow":
    case "tensorflow-gpu":
      return prepareTensorflow(name);
  }
}

/**
 * tfjs reports a failed backend start as console.warn and a false return; we collect those
 * warnings so the Error we throw says why.
 */
async function setBackendExplained(tfjsName: string): Promise<void> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfjsName);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const why = warnings.length > 0 ? `: ${warnings.join("; ")}` : "";
    throw new Error(`backend "${tfjsName}" failed to start${why}`);
  }
  for (const w of warnings) warn(w);
}

/** Starts the named backend and makes it the active one. Resolves to its name. */
export async function use(name: string): Promise<BackendName> {
  const n = backendName(name);
  await prepare(n);
  await setBackendExplained(TFJS_NAME[n]);
  if (n === "cpu") quietCpuGreeting();
  // Kernels register by backend name at import; this keeps that true if something removed them.
  registerQuantizeKernels();
  return n;
}

/** The active backend's name (tsamp's name: "tensorflow-gpu" for tfjs-node-gpu), or null if none started yet. */
export function current(): BackendName | string | null {
  const active = (tf.engine() as { backendName: string | null }).backendName;
  if (active === null || active === undefined) return null;
  if (active === "tensorflow") return loadedTensorflowVariant() ?? "tensorflow";
  return active;
}

/** Backends whose packages are installed here, in order of preference (they may still fail to start). */
export function available(): BackendName[] {
  return PREFERENCE.filter((name) => {
    if (name === "cpu") return true;
    if (name === "wasm") return packageDir(PACKAGE.wasm) !== null;
    return optionalInstalled(name);
  });
}

/**
 * Starts the most preferred backend that works here (tensorflow-gpu, tensorflow, webgpu, wasm,
 * cpu) and resolves to its name. Backends that are installed but fail to start are skipped; their
 * reasons are in the `failures` of the result of `autoReport()`. webgpu on a CPU adapter (lavapipe)
 * is passed over (`skipped`): slower than wasm there; backends.use("webgpu") still starts it.
 */
export async function auto(): Promise<BackendName> {
  return (await autoReport()).chosen;
}

export interface AutoReport {
  chosen: BackendName;
  failures: Array<{ name: BackendName; error: string }>;
  /** Backends that would start but were passed over, and why (webgpu on a CPU adapter). */
  skipped: Array<{ name: BackendName; reason: string }>;
}

export async function autoReport(): Promise<AutoReport> {
  const failures: AutoReport["failures"] = [];
  const skipped: AutoReport["skipped"] = [];
  for (const name of available()) {
    if (name === "webgpu") {
      const reason = await webgpuAutoSkipReason();
      if (reason !== null) {
        skipped.push({ name, reason });
        continue;
      }
    }
    try {
      return { chosen: await use(name), failures, skipped };
    } catch (err) {
      failures.push({ name, error: (err as Error).message });
    }
  }
  // cpu is always available and starts synchronously, so this is only reached if tfjs is broken.
  throw new Error(`no backend could start: ${failures.map((f) => `${f.name}: ${f.error}`).join("; ")}`);
}

export const backends = Object.freeze({ use, current, available, auto, autoReport });
