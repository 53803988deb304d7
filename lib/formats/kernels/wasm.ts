// TsampQuantize on tfjs-backend-wasm. That backend keeps every tensor in the wasm module's heap
// (dataIdMap -> memoryOffset), so the kernel allocates the output there with makeOutput and rounds
// from one place in the heap into the other, with no copy in or out: by the WebAssembly SIMD module
// of wasm-simd.ts, which imports the backend's memory, or, where the engine lacks SIMD (or for a
// tensor under 4 elements), by the JS loop over heap views.
import * as tf from "../../tf.js";
import { QUANTIZE_KERNEL, type QuantizeAttrs } from "./attrs.js";
import { roundArray } from "./round-array.js";
import { noteWasmQuantizePath, quantizeOnHeap, type EmscriptenModuleLike } from "./wasm-simd.js";

/** The part of BackendWasm this kernel uses (typed structurally: no import of the backend). */
interface WasmBackendLike {
  wasm: EmscriptenModuleLike;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const wasmQuantize: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as tf.TensorInfo;
  const wasm = backend as unknown as WasmBackendLike;
  if (x.dtype !== "float32") throw new Error(`${QUANTIZE_KERNEL} expects float32, got ${x.dtype}`);
  // Allocate first: malloc may grow the heap, which detaches views taken before it.
  const out = wasm.makeOutput(x.shape, "float32");
  const n = tf.util.sizeFromShape(x.shape);
  if (n === 0) return out;
  const a = attrs as unknown as QuantizeAttrs;
  const src = wasm.dataIdMap.get(x.dataId)!.memoryOffset;
  const dst = wasm.dataIdMap.get(out.dataId)!.memoryOffset;
  const path = quantizeOnHeap(wasm.wasm, src, dst, n, a);
  if (path === null) {
    roundArray(wasm.typedArrayFromHeap(x) as Float32Array, wasm.typedArrayFromHeap(out) as Float32Array, a);
  }
  noteWasmQuantizePath(path ?? "js");
  return out;
};

export const wasmQuantizeKernel: tf.KernelConfig = {
  kernelName: QUANTIZE_KERNEL,
  backendName: "wasm",
  kernelFunc: wasmQuantize,
};
