// The virtual format of each tensor under autocast. Values are float32 arrays whatever format they
// are "in"; autocast remembers, per data buffer (the dataId that tensors sharing data also share, so
// a reshape keeps its input's format), the format whose values the buffer holds. A buffer without a
// record is float32. Records live in a WeakMap: they go when the data goes, and cost nothing outside
// autocast.
import { formats, type Format } from "../formats/index.js";
import type * as tf from "../tf.js";

export const FLOAT32: Format = formats.get("float32");

const formatByData = new WeakMap<object, Format>();
/** Buffers written in the backward pass (gradients), for policies whose backward format differs. */
const gradientData = new WeakSet<object>();

export function formatOfData(dataId: object): Format {
  return formatByData.get(dataId) ?? FLOAT32;
}

/** The recorded format, or undefined when none (float32). */
export function recordedFormat(dataId: object): Format | undefined {
  return formatByData.get(dataId);
}

export function setFormatOfData(dataId: object, f: Format): void {
  if (isFloat32(f)) formatByData.delete(dataId);
  else formatByData.set(dataId, f);
}

export function markGradient(dataId: object): void {
  gradientData.add(dataId);
}

export function isGradientData(dataId: object): boolean {
  return gradientData.has(dataId);
}

/**
 * The format a tensor's values are in, as autocast recorded it (float32 when it recorded none: a
 * tensor made outside autocast, or by a float32 op).
 */
export function formatOf(t: tf.Tensor | tf.TensorInfo): Format {
  return formatOfData(t.dataId as object);
}

export function isFloat32(f: Format): boolean {
  return f === FLOAT32 || f.sameAs(FLOAT32);
}

/** True when every finite value of `inner` is a value of `outer` (float16 within float32, e4m3 within float16). */
export function covers(outer: Format, inner: Format): boolean {
  if (outer === inner || outer.sameAs(inner)) return true;
  return outer.max >= inner.max && outer.minSubnormal <= inner.minSubnormal && outer.mantissaBits >= inner.mantissaBits;
}

/** The narrowest of a and b that holds both; float32 when neither holds the other (float16 + bfloat16). */
export function widest(a: Format, b: Format): Format {
  if (covers(a, b)) return a;
  if (covers(b, a)) return b;
  return FLOAT32;
}
