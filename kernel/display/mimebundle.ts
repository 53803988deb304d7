// Turning a value into a Jupyter mimebundle: the Symbol.for("Jupyter.display") convention first
// (shared with Deno's kernel, used by everything in lib/), then a readable text/plain.
import { inspect } from "node:util";
import type { JsonObject } from "../protocol/messages.js";

export const DISPLAY = Symbol.for("Jupyter.display");

export interface MimeOutput {
  data: JsonObject;
  metadata: JsonObject;
}

interface TensorLike {
  shape: number[];
  dtype: string;
  isDisposed: boolean;
  toString(verbose?: boolean): string;
}

function isTensorLike(value: unknown): value is TensorLike {
  const v = value as Partial<TensorLike> | null;
  return typeof v === "object" && v !== null && Array.isArray(v.shape) && typeof v.dtype === "string" && typeof (v as { dataSync?: unknown }).dataSync === "function";
}

export function plainText(value: unknown): string {
  if (typeof value === "string") return inspect(value);
  if (isTensorLike(value)) {
    if (value.isDisposed) return `Tensor (disposed) shape=[${value.shape}] dtype=${value.dtype}`;
    return value.toString(true).replace(/^Tensor\n/, `Tensor ${value.dtype} [${value.shape.join(", ")}]\n`);
  }
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000 });
}

export function toMimeBundle(value: unknown): MimeOutput {
  const method = (value as Record<symbol, unknown> | null | undefined)?.[DISPLAY];
  if ((typeof value === "object" || typeof value === "function") && value !== null && typeof method === "function") {
    const bundle = (method as () => unknown).call(value);
    if (typeof bundle === "object" && bundle !== null) {
      const { metadata, ...data } = bundle as JsonObject & { metadata?: JsonObject };
      if (!("text/plain" in data)) data["text/plain"] = plainText(value);
      return { data, metadata: metadata && typeof metadata === "object" ? metadata : {} };
    }
  }
  return { data: { "text/plain": plainText(value) }, metadata: {} };
}
