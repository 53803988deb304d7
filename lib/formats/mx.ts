// MX block quantization (OCP Microscaling Formats v1.0, section 6.3): along the last axis, each
// block of k values shares one E8M0 scale X = 2^(floor(log2(amax)) - emax_elem), where amax is the
// block's largest magnitude and emax_elem the exponent of the element format's largest normal;
// the elements are V / X cast to the element format with saturation. The scale exponent is
// clamped to E8M0's range [-127, 127]; a block holding NaN or inf gets the NaN scale, so all of it
// decodes to NaN. An all-zero block gets 2^-127 (it stores zeros either way); microxcaling, the
// reference implementation, does the same. Element rounding is nearest-even (OCP leaves the
// rounding of this conversion to the implementation).
import * as tf from "../tf.js";
import { floorLog2, pow2Of } from "./exponent-ops.js";
import { limitsOf } from "./limits.js";
import { quantize } from "./quantize.js";
import { get } from "./registry.js";
import type { Format } from "./spec.js";

/** OCP's names for the MX formats, mapped to their element formats. */
const MX_NAMES: Readonly<Record<string, string>> = {
  mxfp8: "float8_e4m3fn",
  mxfp8_e4m3: "float8_e4m3fn",
  mxfp8_e5m2: "float8_e5m2",
  mxfp6: "float6_e2m3fn",
  mxfp6_e2m3: "float6_e2m3fn",
  mxfp6_e3m2: "float6_e3m2fn",
  mxfp4: "float4_e2m1fn",
  mxfp4_e2m1: "float4_e2m1fn",
};

/** The element format for a name: an MX name (mxfp8_e4m3, mxfp4, ...) or any format name. */
export function mxElementFormat(format: Format | string): Format {
  if (typeof format === "string") {
    const mx = MX_NAMES[format.trim().toLowerCase().replace(/-/g, "_")];
    if (mx !== undefined) return get(mx);
  }
  return get(format);
}

export interface MxOptions {
  /** Values per shared scale, along the last axis (OCP: 32). A short last block is zero-padded. */
  blockSize?: number;
  rounding?: "nearest-even" | "toward-zero";
}

export interface MxBlocks {
  /** The dequantized values (elements × scale), float32, shaped like the input. */
  values: tf.Tensor;
  /** The element values V / X after the cast, shaped like the input. */
  elements: tf.Tensor;
  /** The shared scales X (powers of two, NaN for a block with NaN or inf): shape [...leading, blocks]. */
  scales: tf.Tensor;
  /** log2 of the scales, the E8M0 exponent (stored byte minus 127), NaN where the scale is NaN. */
  scaleExponents: tf.Tensor;
  blockSize: number;
  format: Format;
}

function checkBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  }
}

/** Quantizes x to MX blocks and returns every part: values, elements, scales. The caller disposes them. */
export function mxEncode(x: tf.Tensor, elementFormat: Format | string, opts: MxOptions = {}): MxBlocks {
  const format = mxElementFormat(elementFormat);
  const blockSize = opts.blockSize ?? 32;
  checkBlockSize(blockSize);
  const emaxElem = limitsOf(format).emax;
  const parts = tf.tidy(() => {
    const xf = tf.cast(x.rank === 0 ? tf.reshape(x, [1]) : x, "float32");
    const shape = xf.shape;
    const n = shape[shape.length - 1]!;
    const lead = shape.slice(0, -1);
    const blocks = Math.ceil(n / blockSize);
    const pad = blocks * blockSize - n;
    const padded = pad === 0 ? xf : tf.pad(xf, [...lead.map((): [number, number] => [0, 0]), [0, pad]]);
    const xb = tf.reshape(padded, [...lead, blocks, blockSize]);

    const bad = tf.any(tf.logicalOr(tf.isNaN(xb), tf.isInf(xb)), -1, true);
    // tf.max skips NaN on some backends, so NaN/inf blocks are handled by `bad`, not by amax.
    const ax = tf.where(tf.logicalOr(tf.isNaN(xb), tf.isInf(xb)), tf.scalar(0), tf.abs(xb));
    const amax = tf.max(ax, -1, true);
    const e = floorLog2(tf.where(tf.equal(amax, 0), tf.scalar(2 ** -126), amax), -149, 127);
    const shared = tf.sub(e, emaxElem);
    const tooBig = tf.logicalOr(bad, tf.greater(shared, 127));
    const exponent = tf.clipByValue(shared, -127, 127);
    const scale = tf.where(tooBig, tf.scalar(NaN), pow2Of(exponent));

    const elements = quantize(tf.div(xb, scale), format, { saturate: true, rounding: opts.rounding ?? "nearest-even" });
    const values = tf.mul(elements, scale);
    const back = (t: tf.Tensor) => {
      const flat = tf.reshape(t, [...lead, blocks * blockSize]);
      const cut = pad === 0 ? flat : tf.slice(flat, lead.map(() => 0).concat([0]), [...lead, n]);
      return tf.reshape(cut, x.shape);
    };
    const scaleShape = [...lead, blocks];
    return {
      values: back(values),
      elements: back(elements),
      scales: tf.reshape(scale, scaleShape),
      scaleExponents: tf.reshape(tf.where(tooBig, tf.scalar(NaN), exponent), scaleShape),
    };
  });
  return { ...parts, blockSize, format };
}

/**
 * x rounded through MX blocks and back: the float32 values an MX tensor holds. The gradient is
 * straight-through (identity), as for quantize.
 */
export function mxQuantize(x: tf.Tensor, elementFormat: Format | string, opts: MxOptions = {}): tf.Tensor {
  const format = mxElementFormat(elementFormat);
  checkBlockSize(opts.blockSize ?? 32);
  type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];
  const f = (t: tf.Tensor) => {
    const { values, elements, scales, scaleExponents } = mxEncode(t, format, opts);
    tf.dispose([elements, scales, scaleExponents]);
    return { value: values, gradFunc: (dy: tf.Tensor) => tf.cast(dy, "float32") };
  };
  const input = x.dtype === "float32" ? x : tf.cast(x, "float32");
  try {
    return tf.customGrad(f as unknown as CustomGradientFunc)(input);
  } finally {
    if (input !== x) input.dispose();
  }
}

export const mx = Object.freeze({ quantize: mxQuantize, encode: mxEncode, elementFormat: mxElementFormat });
