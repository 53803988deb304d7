// TsampQuantize on tfjs-backend-wasm. That backend keeps every tensor in the wasm module's heap
// (dataIdMap -> memoryOffset), so the kernel allocates the output there with makeOutput and rounds
// from one heap view into the other: no readSync copy in, no write copy out.
import * as tf from "../../tf.js";
import { QUANTIZE_KERNEL, type QuantizeAttrs } from "./attrs.js";
import { roundArray } from "./round-array.js";

/** The part of BackendWasm this kernel uses (typed structurally: no import of the backend). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const wasmQuantize: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as tf.TensorInfo;
  const wasm = backend as unknown as WasmBackendLike;
  if (x.dtype !== "float32") throw new Error(`${QUANTIZE_KERNEL} expects float32, got ${x.dtype}`);
  // Allocate first: malloc may grow the heap, which detaches views taken before it.
  const out = wasm.makeOutput(x.shape, "float32");
  if (tf.util.sizeFromShape(x.shape) === 0) return out;
  const src = wasm.typedArrayFromHeap(x) as Float32Array;
  const dst = wasm.typedArrayFromHeap(out) as Float32Array;
  roundArray(src, dst, attrs as unknown as QuantizeAttrs);
  return out;
};

export const wasmQuantizeKernel: tf.KernelConfig = {
  kernelName: QUANTIZE_KERNEL,
  backendName: "wasm",
  kernelFunc: wasmQuantize,
};
