// tsamp's WebAssembly SIMD kernels (simd/kernels.wat, compiled into simd-binary.ts) on
// tfjs-backend-wasm's own memory. The module imports that WebAssembly.Memory, so its functions read
// and write tensors where the backend keeps them (dataIdMap -> memoryOffset), with no copy. Where
// the engine has no wasm SIMD, or the memory cannot be imported, `simdOf` answers null and each
// kernel takes its other path (composed from the package's kernels, or a JS loop).
import * as tf from "../../tf.js";
import type { WasmBackendLike } from "./compose.js";
import { KERNELS_WASM_BASE64 } from "./simd-binary.js";
import { backendMemory, instantiateOn, moduleVariants, type EmscriptenMemoryHolder } from "../../wasm-module.js";

/** The functions of kernels.wat (byte offsets and element counts; see the .wat for each). */
export interface SimdExports {
  copyRows(src: number, dst: number, N: number, R: number, rowBytes: number, srcImage: number, srcRow: number, dstImage: number, dstRow: number): void;
  zero(dst: number, bytes: number): void;
  convFilterGrad(...args: number[]): void;
  convInputGrad(...args: number[]): void;
  convForward(...args: number[]): void;
  maxPoolGrad(...args: number[]): void;
  addPeriodic(a: number, pat: number, out: number, n: number, L: number): void;
  sumLeading(x: number, out: number, acc: number, R: number, C: number, L: number): void;
  gemmNN(a: number, b: number, c: number, M: number, N: number, K: number): void;
  gemmTN(a: number, b: number, c: number, M: number, N: number, K: number): void;
}

/** The backend as these kernels use it: its heap, and where each tensor lives in it. */
interface WasmBackendWithHeap extends WasmBackendLike {
  wasm: EmscriptenMemoryHolder;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** A backend's instance of the module, with its memory, for the kernels of one call. */
export interface Simd {
  readonly ex: SimdExports;
  readonly backend: WasmBackendWithHeap;
  /** Byte offset of a tensor in the heap. */
  ptr(t: tf.TensorInfo): number;
  /** True when `bytes` bytes from `ptr`, and 64 more, are inside the memory (reads past a run). */
  inside(ptr: number, bytes: number): boolean;
}

let enabled = true;

/**
 * Turns the SIMD kernels off (false) or back on (true, the default). Off, every kernel takes the
 * path it takes where SIMD is missing; tests and bench/lenet-wasm.mjs compare the two.
 */
export function setWasmSimdKernels(on: boolean): void {
  enabled = on;
}

export function wasmSimdKernelsEnabled(): boolean {
  return enabled;
}

/** The compiled variant (about 4 KB), or null where the engine refuses it: the kernels take their other paths. */
const moduleOf = moduleVariants(KERNELS_WASM_BASE64);

const instances = new WeakMap<object, Simd | null>();

function instanceFor(backend: WasmBackendWithHeap): Simd | null {
  const em = backend.wasm;
  if (em === undefined || em === null) return null;
  let s = instances.get(em);
  if (s === undefined) {
    s = null;
    const memory = backendMemory(em);
    const ex = memory === null ? null : (instantiateOn(memory, (shared) => moduleOf(shared ? "importedShared" : "imported")) as SimdExports | null);
    if (memory !== null && ex !== null) {
      s = {
        ex,
        backend,
        ptr: (t) => backend.dataIdMap.get(t.dataId)!.memoryOffset,
        inside: (ptr, bytes) => ptr + bytes + 64 <= memory.buffer.byteLength,
      };
    }
    instances.set(em, s);
  }
  return s;
}

/** The SIMD kernels on this backend's memory, or null (off, no SIMD, or no importable memory). */
export function simdOf(backend: unknown): Simd | null {
  if (!enabled) return null;
  return instanceFor(backend as WasmBackendWithHeap);
}

/** True when the SIMD kernels run on the active wasm backend (false when off or unsupported). */
export function wasmSimdKernelsActive(): boolean {
  const b = tf.findBackend("wasm");
  return b != null && simdOf(b) !== null;
}

/** A scratch float32 buffer of `n` elements (and room for reads past its end), freed by `free`. */
export function scratch(s: Simd, n: number): tf.TensorInfo {
  return s.backend.makeOutput([n + 16], "float32");
}

export function free(s: Simd, ...ts: Array<tf.TensorInfo | null>): void {
  for (const t of ts) if (t !== null) s.backend.disposeData(t.dataId);
}
