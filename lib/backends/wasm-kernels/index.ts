// The kernels tsamp gives tfjs-backend-wasm 4.22 so that convnets (and embeddings) train on it,
// correctly and at speed: the ones it lacks, ours in place of two of its own (MaxPoolGrad is wrong,
// Conv2DBackpropInput slow), and wrappers around nine more (matrix products: slow when transposed,
// a wrong bias when batched; resize gradients: halfPixelCenters ignored; Conv2D: output channels
// padded to 8; a bias's Add and Sum: slow; Identity and same-dtype Cast: needless copies). The hot
// loops are WebAssembly SIMD (simd/kernels.wat, on the backend's own memory); each file says how
// and why.
import * as tf from "../../tf.js";
import { conv2DBackpropFilterKernel } from "./conv2d-backprop-filter.js";
import { conv2DBackpropInputKernel } from "./conv2d-backprop-input.js";
import { depthwiseBackpropFilterKernel } from "./depthwise-backprop-filter.js";
import { depthwiseBackpropInputKernel } from "./depthwise-backprop-input.js";
import { wrappedAdd, wrappedSum } from "./bias.js";
import { rememberBaseKernels } from "./compose.js";
import { wrappedConv2D } from "./conv-simd.js";
import { sharedCast, sharedIdentity } from "./identity.js";
import { wrappedMatMul } from "./mat-mul.js";
import { maxPoolGradKernel } from "./max-pool-grad.js";
import { halfPixelResizeGrad } from "./resize-grad.js";
import { unsortedSegmentSumKernel } from "./unsorted-segment-sum.js";

/** Kernels the wasm backend lacks (gradients of conv2d, depthwiseConv2d and gather need them). */
export const ADDED_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterKernel,
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
  unsortedSegmentSumKernel,
];

/** Kernels the wasm backend has, that ours replace: MaxPoolGrad (wrong), Conv2DBackpropInput (slow). */
export const REPLACED_WASM_KERNELS: readonly tf.KernelConfig[] = [maxPoolGradKernel, conv2DBackpropInputKernel];

/**
 * Kernels the wasm backend has, that ours wrap, calling the package's where it is right and fast:
 * matrix products (slow when transposed, a wrong bias when batched), the resize gradients
 * (halfPixelCenters ignored), Conv2D (slower where the output channels are not a multiple of 8),
 * Add and Sum (slow for a bias and its gradient), Identity and Cast (copies where sharing the data
 * is enough).
 */
const WRAPPERS: ReadonlyArray<readonly [string, (original: tf.KernelConfig) => tf.KernelConfig]> = [
  [tf.BatchMatMul, wrappedMatMul],
  [tf._FusedMatMul, wrappedMatMul],
  [tf.ResizeBilinearGrad, halfPixelResizeGrad],
  [tf.ResizeNearestNeighborGrad, halfPixelResizeGrad],
  [tf.Conv2D, wrappedConv2D],
  [tf.Add, wrappedAdd],
  [tf.Sum, wrappedSum],
  [tf.Identity, sharedIdentity],
  [tf.Cast, sharedCast],
];
export const WRAPPED_WASM_KERNELS: readonly string[] = WRAPPERS.map(([name]) => name);

const ours = new WeakSet<tf.KernelFunc>();
for (const k of [...ADDED_WASM_KERNELS, ...REPLACED_WASM_KERNELS]) ours.add(k.kernelFunc);

function put(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

let registered = false;
const registeredConfigs: tf.KernelConfig[] = [];

/**
 * Registers tsamp's wasm kernels. Call it after @tensorflow/tfjs-backend-wasm is imported: the
 * package registers its kernels at import, and would overwrite ours if they came first. Later calls
 * only put back a kernel that is missing; they never replace what is registered, which may be ours
 * wrapped by something else (autocast's wrappers).
 */
export function registerWasmKernels(): void {
  if (registered) {
    for (const k of registeredConfigs) if (tf.getKernel(k.kernelName, "wasm") === undefined) tf.registerKernel(k);
    return;
  }
  registered = true;
  // Composed kernels call the package's kernels as they are now (see compose.ts).
  rememberBaseKernels();
  for (const k of ADDED_WASM_KERNELS) {
    // A later tfjs that has its own keeps it.
    if (tf.getKernel(k.kernelName, "wasm") !== undefined) continue;
    tf.registerKernel(k);
    registeredConfigs.push(k);
  }
  for (const k of REPLACED_WASM_KERNELS) {
    put(k);
    registeredConfigs.push(k);
  }
  for (const [name, wrap] of WRAPPERS) {
    const original = tf.getKernel(name, "wasm");
    if (original === undefined) continue;
    const wrapped = wrap(original);
    ours.add(wrapped.kernelFunc);
    put(wrapped);
    registeredConfigs.push(wrapped);
  }
}

/** True when the wasm backend's `kernelName` is tsamp's (added, replaced or wrapped). */
export function isTsampWasmKernel(kernelName: string): boolean {
  const k = tf.getKernel(kernelName, "wasm");
  return k !== undefined && ours.has(k.kernelFunc);
}
