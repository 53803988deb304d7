// Registers the quantize kernels and their straight-through gradient with the one tfjs registry.
// Kernels register by backend name, so this works before the backend exists, and a backend started
// later (backends.use) finds its kernel already there.
import * as tf from "../../tf.js";
import { QUANTIZE_KERNEL } from "./attrs.js";
import { cpuQuantizeKernel } from "./cpu.js";
import { wasmQuantizeKernel } from "./wasm.js";
import { webgpuQuantizeKernel } from "./webgpu.js";

// The webgpu kernel is a WGSL program handed to tfjs-backend-webgpu; registering it needs nothing
// from that (optional) package.
const KERNELS: readonly tf.KernelConfig[] = [cpuQuantizeKernel, wasmQuantizeKernel, webgpuQuantizeKernel];

/** Backends with a native TsampQuantize kernel; others use the composite fallback. */
export const QUANTIZE_KERNEL_BACKENDS: readonly string[] = KERNELS.map((k) => k.backendName);

export function registerQuantizeKernels(): void {
  for (const k of KERNELS) {
    // Registering twice makes tfjs warn; modules can be evaluated twice (tests, notebooks reloading).
    if (tf.getKernel(k.kernelName, k.backendName) === undefined) tf.registerKernel(k);
  }
  if (tf.getGradient(QUANTIZE_KERNEL) === undefined) {
    tf.registerGradient({
      kernelName: QUANTIZE_KERNEL,
      // Straight-through estimator: rounding is treated as the identity in the backward pass, which
      // is what quantization-aware and mixed-precision training use.
      gradFunc: (dy) => ({ x: () => tf.cast(dy as tf.Tensor, "float32") }),
    });
  }
}

/** True when the backend runs quantize as one kernel rather than the composite of tf ops. */
export function hasQuantizeKernel(backendName: string): boolean {
  return tf.getKernel(QUANTIZE_KERNEL, backendName) !== undefined;
}
