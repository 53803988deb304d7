// The few operations autocast does inside a wrapped kernel: round a tensor to a format, multiply it
// by a scalar, take its amax. A kernel function gets TensorInfos and a backend, not tensors, so these
// call the backend's own (unwrapped) kernel functions directly: nothing goes through the engine,
// nothing is recorded on the tape (rounding is straight-through, as quantize's gradient is), and
// the caller disposes what they return.
import type { Format } from "../formats/index.js";
import { QUANTIZE_KERNEL, type QuantizeAttrs } from "../formats/kernels/attrs.js";
import { roundArray } from "../formats/kernels/round-array.js";
import * as tf from "../tf.js";
import { disposeInfo } from "./autocast-state.js";

const attrsCache = new Map<string, QuantizeAttrs>();

function quantizeAttrs(f: Format, saturate: boolean): QuantizeAttrs {
  const key = `${f.exponentBits},${f.mantissaBits},${f.bias},${f.rule},${saturate}`;
  let a = attrsCache.get(key);
  if (a === undefined) {
    a = Object.freeze({
      exponentBits: f.exponentBits,
      mantissaBits: f.mantissaBits,
      bias: f.bias,
      rule: f.rule,
      rounding: "nearest-even",
      saturate,
      seed: 0,
    }) as QuantizeAttrs;
    attrsCache.set(key, a);
  }
  return a;
}

export class KernelOps {
  /** The backend's kernels as they were before autocast wrapped them. */
  constructor(private readonly originals: ReadonlyMap<string, tf.KernelConfig>) {}

  #run(name: string, backend: tf.KernelBackend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const k = this.originals.get(name) ?? tf.getKernel(name, tf.getBackend());
    if (k === undefined) throw new Error(`autocast: the ${tf.getBackend()} backend has no ${name} kernel`);
    const out = k.kernelFunc({ inputs, backend, attrs });
    return (Array.isArray(out) ? out[0] : out) as tf.TensorInfo;
  }

  /** x rounded to `f` (nearest even; saturating when asked), as a new TensorInfo. */
  round(backend: tf.KernelBackend, x: tf.TensorInfo, f: Format, saturate = false): tf.TensorInfo {
    const attrs = quantizeAttrs(f, saturate);
    if (this.originals.has(QUANTIZE_KERNEL)) {
      return this.#run(QUANTIZE_KERNEL, backend, { x }, attrs as unknown as tf.NamedAttrMap);
    }
    // A backend without the quantize kernel (tfjs-node): round on the host.
    const src = Float32Array.from(backend.readSync(x.dataId) as ArrayLike<number>);
    const dst = new Float32Array(src.length);
    roundArray(src, dst, attrs);
    return { dataId: backend.write(dst, x.shape, "float32"), shape: x.shape, dtype: "float32" };
  }

  /** x * s for a number s. */
  scale(backend: tf.KernelBackend, x: tf.TensorInfo, s: number): tf.TensorInfo {
    const sInfo: tf.TensorInfo = { dataId: backend.write(new Float32Array([s]), [], "float32"), shape: [], dtype: "float32" };
    try {
      return this.#run("Multiply", backend, { a: x, b: sInfo });
    } finally {
      disposeInfo(backend, sInfo);
    }
  }

  /** max |x| over every element, a rank-0 TensorInfo. */
  amax(backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
    const abs = this.#run("Abs", backend, { x });
    try {
      const axes = x.shape.map((_, i) => i);
      return this.#run("Max", backend, { x: abs }, { reductionIndices: axes, keepDims: false });
    } finally {
      disposeInfo(backend, abs);
    }
  }

  /**
   * fp8 delayed scaling's cast: round(x * scale, f, saturating) / scale, in float32 (multiplied by
   * the float32 reciprocal, as Transformer Engine dequantizes with scale_inv).
   */
  scaledRound(backend: tf.KernelBackend, x: tf.TensorInfo, f: Format, scale: number): tf.TensorInfo {
    if (scale === 1) return this.round(backend, x, f, true);
    const scaled = this.scale(backend, x, scale);
    let q: tf.TensorInfo | null = null;
    try {
      q = this.round(backend, scaled, f, true);
      return this.scale(backend, q, Math.fround(1 / scale));
    } finally {
      disposeInfo(backend, scaled);
      if (q !== null) disposeInfo(backend, q);
    }
  }
}

/** A copy of the values (null where the backend cannot read synchronously). */
export function readValues(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array | null {
  try {
    return Float32Array.from(backend.readSync(info.dataId) as ArrayLike<number>);
  } catch {
    return null;
  }
}
