// TsampQuantize on tfjs-backend-cpu: the backend keeps each tensor's values in a JS typed array
// (backend.data), so the kernel rounds straight from it into a fresh Float32Array.
import * as tf from "../../tf.js";
import { QUANTIZE_KERNEL, type QuantizeAttrs } from "./attrs.js";
import { roundArray } from "./round-array.js";

/** The part of MathBackendCPU this kernel uses (typed structurally: no import of the backend). */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

const cpuQuantize: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as tf.TensorInfo;
  const cpu = backend as unknown as CpuBackendLike;
  if (x.dtype !== "float32") throw new Error(`${QUANTIZE_KERNEL} expects float32, got ${x.dtype}`);
  const stored = cpu.data.get(x.dataId).values;
  // The cpu backend casts int32 -> float32 by sharing the Int32Array, so a float32 tensor may hold
  // integers: convert those (rare) rather than reinterpret their bits.
  let values: Float32Array;
  if (stored instanceof Float32Array) values = stored;
  else if (stored instanceof Int32Array || stored instanceof Uint8Array) values = Float32Array.from(stored);
  else throw new Error(`${QUANTIZE_KERNEL}: cpu tensor has no numeric values`);
  const out = new Float32Array(values.length);
  roundArray(values, out, attrs as unknown as QuantizeAttrs);
  return cpu.makeTensorInfo(x.shape, "float32", out);
};

export const cpuQuantizeKernel: tf.KernelConfig = {
  kernelName: QUANTIZE_KERNEL,
  backendName: "cpu",
  kernelFunc: cpuQuantize,
};
