// The kernels tsamp adds to tfjs-backend-wasm 4.22 so that convnets (and embeddings) train on it,
// and the one it replaces because it computes wrong gradients. See each file for how.
import * as tf from "../../tf.js";
import { conv2DBackpropFilterKernel } from "./conv2d-backprop-filter.js";
import { depthwiseBackpropFilterKernel } from "./depthwise-backprop-filter.js";
import { depthwiseBackpropInputKernel } from "./depthwise-backprop-input.js";
import { maxPoolGradKernel } from "./max-pool-grad.js";
import { unsortedSegmentSumKernel } from "./unsorted-segment-sum.js";

/** Kernels the wasm backend does not have; registered only where it still lacks them. */
export const ADDED_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterKernel,
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
  unsortedSegmentSumKernel,
];

/** Kernels the wasm backend has but gets wrong; ours take their place. */
export const REPLACED_WASM_KERNELS: readonly tf.KernelConfig[] = [maxPoolGradKernel];

/**
 * Registers tsamp's wasm kernels. Call it after @tensorflow/tfjs-backend-wasm is imported: the
 * package registers its own kernels at import, and would overwrite a replacement made before.
 * Safe to call again (registering twice would make tfjs warn).
 */
export function registerWasmKernels(): void {
  for (const k of ADDED_WASM_KERNELS) {
    if (tf.getKernel(k.kernelName, k.backendName) === undefined) tf.registerKernel(k);
  }
  for (const k of REPLACED_WASM_KERNELS) {
    const current = tf.getKernel(k.kernelName, k.backendName);
    if (current?.kernelFunc === k.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel(k);
  }
}
