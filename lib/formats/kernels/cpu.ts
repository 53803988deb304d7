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
  const values = cpu.data.get(x.dataId).values;
  if (!(values instanceof Float32Array)) throw new Error(`${QUANTIZE_KERNEL}: cpu tensor has no float32 values`);
  const out = new Float32Array(values.length);
  roundArray(values, out, attrs as unknown as QuantizeAttrs);
  return cpu.makeTensorInfo(x.shape, "float32", out);
};

export const cpuQuantizeKernel: tf.KernelConfig = {
  kernelName: QUANTIZE_KERNEL,
  backendName: "cpu",
  kernelFunc: cpuQuantize,
};
