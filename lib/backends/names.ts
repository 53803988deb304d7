// The backends tsamp knows, in DESIGN.md section 5's order of preference, and what each needs.

export type BackendName = "tensorflow-gpu" | "tensorflow" | "webgpu" | "wasm" | "cpu";

/** Most preferred first: CUDA, libtensorflow on CPU, WebGPU, then wasm (the CPU default), cpu. */
export const PREFERENCE: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"];

/** The name each one registers under in tfjs (both tfjs-node packages register "tensorflow"). */
export const TFJS_NAME: Readonly<Record<BackendName, string>> = {
  "tensorflow-gpu": "tensorflow",
  tensorflow: "tensorflow",
  webgpu: "webgpu",
  wasm: "wasm",
  cpu: "cpu",
};

/** The npm package that provides each backend. */
export const PACKAGE: Readonly<Record<BackendName, string>> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  webgpu: "@tensorflow/tfjs-backend-webgpu",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
};

export function backendName(name: string): BackendName {
  const n = String(name).trim().toLowerCase();
  if ((PREFERENCE as readonly string[]).includes(n)) return n as BackendName;
  throw new Error(`Unknown backend "${name}": use one of ${PREFERENCE.map((p) => `"${p}"`).join(", ")}`);
}
