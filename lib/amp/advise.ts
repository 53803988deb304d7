// amp.advise(model, batch, { formats }): one float32 training step (forward and backward, no
// update), measured per layer against each candidate format, as in Micikevicius et al. 2018
// (Fig. 3): what share of the nonzero activations, weights, activation gradients and weight
// gradients would underflow to zero (|x| <= min subnormal / 2), land among the subnormals (less
// precision), or overflow (|x| at or past max + half an ulp: inf, NaN or saturation). From that it
// recommends
//   - a compute format: the candidate that needs the fewest layers kept in float32 (first wins ties),
//   - overrides keeping in float32 the layers where that format overflows at all, or underflows or
//     goes subnormal for more than `threshold` of the values,
//   - an initial loss scale: the power of two that moves the gradients up as far as they go with a
//     factor of two of headroom below the format's max (gradient rows are measured at that scale);
//     none for formats with float32's exponent range (bfloat16), measured unscaled.
// The model is not changed (batch norm's running statistics are put back).
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import type { Format } from "../formats/index.js";
import { escapeHtml, measure } from "../formats/text.js";
import * as tf from "../tf.js";
import { autocast, region } from "./autocast.js";
import type { AutocastObserver } from "./autocast-state.js";
import { discardFailedTape } from "./autocast-install.js";
import { lossScale as lossScales, type LossScaler } from "./loss-scale.js";
import { policy as toPolicy, type Policy } from "./policy.js";
import { policyFormat, type FormatLike } from "./policy-grammar.js";
import { checkKeys } from "./suggest.js";
import { toBatch, type Batch } from "./trainer-data.js";
import { htmlTable, textTable } from "./trainer-history.js";
import { Heatmap } from "../viz/heatmap.js";
import { toLoss, toScalar, type LossLike } from "./trainer-losses.js";
import { adaptModel, type ModelLike } from "./trainer-model.js";

export interface AdviseOptions {
  /** Candidate compute formats, in order of preference; default ["float16", "bfloat16"]. */
  formats?: readonly FormatLike[];
  /** Default "crossEntropy". */
  loss?: LossLike;
  /** A layer is kept in float32 when more than this share underflows or goes subnormal; default 0.01. */
  threshold?: number;
}

export type TensorKind = "activations" | "weights" | "activation grads" | "weight grads";
export const TENSOR_KINDS: readonly TensorKind[] = ["activations", "weights", "activation grads", "weight grads"];

/** Shares of the nonzero values of one tensor (or a layer's tensors of one kind) in one format. */
export interface Shares {
  readonly underflow: number;
  readonly subnormal: number;
  readonly overflow: number;
}

export interface TensorStats {
  readonly values: number;
  readonly nonzero: number;
  /** max |x| (unscaled). */
  readonly amax: number;
  /** Per candidate format, in the order of advice.formats (gradients: at that format's loss scale). */
  readonly shares: readonly Shares[];
}

export interface LayerStats {
  readonly layer: string;
  readonly tensors: Readonly<Partial<Record<TensorKind, TensorStats>>>;
}

export interface FormatVerdict {
  readonly format: Format;
  /** The loss scale gradient rows were measured at (a power of two). */
  readonly lossScale: number;
  /** Layers this format would need kept in float32, with why. */
  readonly keepFloat32: ReadonlyArray<{ layer: string; reasons: readonly string[] }>;
}

const OPTION_KEYS = ["formats", "loss", "threshold"];

export class Advice {
  readonly formats: readonly Format[];
  readonly layers: readonly LayerStats[];
  readonly verdicts: readonly FormatVerdict[];
  /** The float32 loss of the batch. */
  readonly loss: number;
  readonly threshold: number;
  /** The recommended compute format. */
  readonly format: Format;
  /** The recommended policy: float32 params and output, `format` compute, float32 overrides. */
  readonly policy: Policy;
  /** The recommended initial loss scale, or null when no scaling is needed. */
  readonly initialLossScale: number | null;

  constructor(f: Omit<Advice, typeof DISPLAY | "lossScale" | "toString" | "summary" | "table" | "heatmap">) {
    this.formats = f.formats;
    this.layers = f.layers;
    this.verdicts = f.verdicts;
    this.loss = f.loss;
    this.threshold = f.threshold;
    this.format = f.format;
    this.policy = f.policy;
    this.initialLossScale = f.initialLossScale;
    Object.freeze(this);
  }

  /** A fresh scaler as recommended: dynamic from the initial scale, or none. */
  lossScale(): LossScaler {
    return this.initialLossScale === null ? lossScales.none() : lossScales.dynamic({ init: this.initialLossScale });
  }

  summary(): string[] {
    const v = this.verdicts.find((x) => x.format === this.format)!;
    const kept = (f: Format) => {
      const n = this.verdicts.find((x) => x.format === f)!.keepFloat32.length;
      return `${f.name}: ${n} ${n === 1 ? "layer" : "layers"} in float32`;
    };
    const lines = [`recommended: compute in ${this.format.name} (${this.formats.map(kept).join(", ")})`];
    lines.push(`policy: ${this.policy.toString()}`);
    for (const k of v.keepFloat32) lines.push(`  keep "${k.layer}" in float32: ${k.reasons.join("; ")}`);
    lines.push(
      this.initialLossScale === null
        ? "loss scale: none needed (amp.lossScale.none())"
        : `loss scale: amp.lossScale.dynamic({ init: ${powLabel(this.initialLossScale)} })`,
    );
    return lines;
  }

  private table(): { header: string[]; rows: string[][] } {
    const header = ["layer", "tensor", "amax", ...this.formats.map((f) => `${f.name} under/sub/over %`)];
    const rows: string[][] = [];
    for (const l of this.layers) {
      for (const kind of TENSOR_KINDS) {
        const s = l.tensors[kind];
        if (s === undefined) continue;
        rows.push([l.layer, kind, measure(s.amax), ...s.shares.map((sh) => `${pct(sh.underflow)} / ${pct(sh.subnormal)} / ${pct(sh.overflow)}`)]);
      }
    }
    return { header, rows };
  }

  /**
   * The measurements as a heatmap: a row per layer and tensor kind, a column per format and way of
   * losing values (underflow, subnormal, overflow), in percent of the nonzero values; colored on a
   * log scale from 0.01 % so a 2 % underflow stands out next to 0.001 %. Zero cells stay blank.
   */
  heatmap(options: { ways?: ReadonlyArray<keyof Shares> } = {}): Heatmap {
    const ways = options.ways ?? (["underflow", "subnormal", "overflow"] as const);
    for (const w of ways) {
      if (!["underflow", "subnormal", "overflow"].includes(w)) throw new RangeError(`advice.heatmap: ways are "underflow", "subnormal" and "overflow", got "${String(w)}"`);
    }
    const columns = this.formats.flatMap((f) => ways.map((w) => `${f.name} ${w}`));
    const rows: string[] = [];
    const values: number[][] = [];
    for (const l of this.layers) {
      for (const kind of TENSOR_KINDS) {
        const s = l.tensors[kind];
        if (s === undefined) continue;
        rows.push(`${l.layer} · ${kind}`);
        values.push(s.shares.flatMap((sh) => ways.map((w) => 100 * sh[w])));
      }
    }
    return new Heatmap({
      rows,
      columns,
      values,
      text: values.map((r) => r.map((v) => pct(v / 100))),
      title: "amp.advise: values lost or degraded, per layer",
      subtitle: `% of each tensor's nonzero values; gradients at loss scale ${this.verdicts.map((v) => `${v.format.name} x${powLabel(v.lossScale)}`).join(", ")}`,
      label: "% of values",
      log: true,
      zmin: 0.01,
      zmax: 100,
      colorscale: [
        [0, "#fff5eb"],
        [0.5, "#fd8d3c"],
        [1, "#a63603"],
      ],
    });
  }

  private caption(): string {
    const scales = this.verdicts.map((v) => `${v.format.name} x${powLabel(v.lossScale)}`).join(", ");
    return `amp.advise: shares of nonzero values per layer (gradients at loss scale ${scales}); float32 loss ${measure(this.loss)}`;
  }

  toString(): string {
    const { header, rows } = this.table();
    return [this.caption(), textTable(header, rows), "", ...this.summary()].join("\n");
  }

  /** The heatmap, the recommendation under it, and the numbers as a table that opens on a click. */
  [DISPLAY](): MimeBundle {
    const { header, rows } = this.table();
    const summary = this.summary()
      .map((l) => `<div style="font-family:monospace;white-space:pre">${escapeHtml(l)}</div>`)
      .join("");
    const table = `<details><summary>the numbers</summary>${htmlTable(this.caption(), header, rows, "tsamp-advice-table")}</details>`;
    return { "text/plain": this.toString(), "text/html": `<div class="tsamp-advice">${this.heatmap().figure.toHtml()}${summary}${table}</div>` };
  }
}

function pct(x: number): string {
  if (x === 0) return "0";
  const p = 100 * x;
  return p < 0.01 ? "<0.01" : p.toFixed(2);
}

function powLabel(x: number): string {
  const k = Math.log2(x);
  return Number.isInteger(k) ? `2 ** ${k}` : measure(x);
}

/** |x| at or above this rounds past max (to inf, NaN or max): max plus half an ulp of max. */
export function overflowThreshold(f: Format): number {
  return Math.fround(f.max + 2 ** (Math.floor(Math.log2(f.max)) - f.mantissaBits - 1));
}

/** [values, nonzero, amax, (under, sub, over) per format] of |t| * scale, as one float32 tensor. */
function countsOf(tensors: readonly tf.Tensor[], formats: readonly Format[], scales: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(tf.concat(tensors.map((t) => tf.reshape(tf.cast(t, "float32"), [-1]))));
    const count = (b: tf.Tensor) => tf.sum(tf.cast(b, "float32"));
    const nonzeroMask = tf.greater(a, 0);
    const parts: tf.Tensor[] = [tf.scalar(a.size), count(nonzeroMask), a.size === 0 ? tf.scalar(0) : tf.max(a)];
    formats.forEach((f, i) => {
      const s = scales[i]!;
      const as = s === 1 ? a : tf.mul(a, tf.scalar(s));
      const half = f.minSubnormal / 2;
      parts.push(
        count(tf.logicalAnd(nonzeroMask, tf.lessEqual(as, half))),
        count(tf.logicalAnd(tf.greater(as, half), tf.less(as, f.minNormal))),
        count(tf.greaterEqual(as, overflowThreshold(f))),
      );
    });
    return tf.stack(parts);
  });
}

function statsFrom(v: ArrayLike<number>, nFormats: number): TensorStats {
  const nonzero = v[1]!;
  const share = (c: number) => (nonzero === 0 ? 0 : c / nonzero);
  const shares: Shares[] = [];
  for (let i = 0; i < nFormats; i++) {
    shares.push(Object.freeze({ underflow: share(v[3 + 3 * i]!), subnormal: share(v[4 + 3 * i]!), overflow: share(v[5 + 3 * i]!) }));
  }
  return Object.freeze({ values: v[0]!, nonzero, amax: v[2]!, shares: Object.freeze(shares) });
}

/**
 * The loss scale for a format: 2^(floor(log2(max / amax)) - 1), within [2^-24, 2^24]; 1 for no
 * gradients, and for formats with float32's exponent range (bfloat16): they need none.
 */
export function lossScaleFor(f: Format, gradAmax: number): number {
  if (!(gradAmax > 0) || !Number.isFinite(gradAmax) || f.exponentBits >= 8) return 1;
  const k = Math.floor(Math.log2(f.max / gradAmax)) - 1;
  return 2 ** Math.max(-24, Math.min(24, k));
}

export async function advise(model: ModelLike, batch: Batch | { x: tf.Tensor; y: tf.Tensor }, opts: AdviseOptions = {}): Promise<Advice> {
  checkKeys("amp.advise", opts, OPTION_KEYS);
  const formats = (opts.formats ?? ["float16", "bfloat16"]).map((f, i) => policyFormat(f, `amp.advise: formats[${i}]`));
  if (formats.length === 0) throw new Error("amp.advise: formats is a non-empty list of candidate compute formats");
  const threshold = opts.threshold ?? 0.01;
  if (!(threshold >= 0 && threshold < 1)) throw new RangeError(`amp.advise: threshold must be in [0, 1), got ${String(threshold)}`);
  const lossFn = toLoss(opts.loss ?? "crossEntropy").fn;
  const m = adaptModel(model);
  const { x, y } = toBatch(batch, "amp.advise: batch");

  let params = m.params();
  if (params.length === 0) {
    tf.tidy(() => {
      m.apply(x, false);
    });
    params = m.params();
  }
  const vars = params.map((p) => p.variable);
  const order: string[] = [];
  const touch = (layer: string) => {
    if (!order.includes(layer)) order.push(layer);
  };
  const kept = new Map<string, Partial<Record<TensorKind, tf.Tensor[]>>>();
  const keep = (layer: string, kind: TensorKind, t: tf.Tensor) => {
    touch(layer);
    let entry = kept.get(layer);
    if (entry === undefined) kept.set(layer, (entry = {}));
    (entry[kind] ??= []).push(tf.keep(tf.clone(t)));
  };
  const outputOf = new Map<number, string>();
  const observer: AutocastObserver = {
    layerOutput(layer, outputs) {
      for (const o of outputs) {
        outputOf.set(o.id, layer);
        if (o.dtype === "float32") keep(layer, "activations", o);
      }
    },
    gradient(_layer, outputs, dys) {
      outputs.forEach((o, i) => {
        const layer = outputOf.get(o.id);
        const dy = dys[i];
        if (layer !== undefined && dy != null) keep(layer, "activation grads", dy);
      });
    },
  };
  const state = m.state().map((v) => [v, tf.clone(v)] as const);
  let lossValue = NaN;
  const all: tf.Tensor[] = [];
  try {
    const { value, grads } = autocast(
      "float32",
      () =>
        tf.variableGrads(() => {
          const yPred = m.apply(x, true);
          return region("loss", () => toScalar(lossFn(y, yPred))) as tf.Scalar;
        }, vars),
      { observer, ...(m.root !== undefined ? { model: m.root } : {}) },
    );
    lossValue = (await value.data())[0]!;
    value.dispose();
    for (const p of params) {
      const layer = p.layer ?? p.name;
      keep(layer, "weights", p.variable);
      const g = grads[p.name];
      if (g !== undefined) keep(layer, "weight grads", g);
    }
    tf.dispose(Object.values(grads));
    for (const entry of kept.values()) for (const list of Object.values(entry)) all.push(...(list ?? []));

    // Loss scale per format, from the largest gradient anywhere.
    const gradLists = [...kept.values()].flatMap((e) => [...(e["activation grads"] ?? []), ...(e["weight grads"] ?? [])]);
    const gradAmax = gradLists.length === 0 ? 0 : await readMax(gradLists);
    const scales = formats.map((f) => lossScaleFor(f, gradAmax));
    const ones = formats.map(() => 1);

    const layers: LayerStats[] = [];
    for (const layer of order) {
      const entry = kept.get(layer)!;
      const tensors: Partial<Record<TensorKind, TensorStats>> = {};
      for (const kind of TENSOR_KINDS) {
        const list = entry[kind];
        if (list === undefined || list.length === 0) continue;
        const c = countsOf(list, formats, kind.endsWith("grads") ? scales : ones);
        const v = await c.data();
        c.dispose();
        tensors[kind] = statsFrom(v, formats.length);
      }
      layers.push(Object.freeze({ layer, tensors: Object.freeze(tensors) }));
    }

    const verdicts: FormatVerdict[] = formats.map((format, i) => ({
      format,
      lossScale: scales[i]!,
      keepFloat32: layers
        .map((l) => ({ layer: l.layer, reasons: troubles(l, i, threshold) }))
        .filter((t) => t.reasons.length > 0),
    }));
    let best = verdicts[0]!;
    for (const v of verdicts) if (v.keepFloat32.length < best.keepFloat32.length) best = v;
    const needsScaling = best.format.exponentBits < 8;
    const recommended = toPolicy({
      params: "float32",
      compute: best.format,
      output: "float32",
      overrides: best.keepFloat32.map((k) => ({ match: k.layer, format: "float32" })),
    });
    return new Advice({
      formats,
      layers,
      verdicts,
      loss: lossValue,
      threshold,
      format: best.format,
      policy: recommended,
      initialLossScale: needsScaling ? best.lossScale : null,
    });
  } catch (err) {
    discardFailedTape();
    throw err;
  } finally {
    for (const [v, saved] of state) {
      if (v.dataId !== saved.dataId) v.assign(saved);
      saved.dispose();
    }
    tf.dispose(all);
  }
}

async function readMax(list: readonly tf.Tensor[]): Promise<number> {
  const m = tf.tidy(() => tf.max(tf.stack(list.map((t) => tf.max(tf.abs(t))))));
  try {
    return (await m.data())[0]!;
  } finally {
    m.dispose();
  }
}

function troubles(l: LayerStats, i: number, threshold: number): string[] {
  const out: string[] = [];
  for (const kind of TENSOR_KINDS) {
    const s = l.tensors[kind];
    if (s === undefined) continue;
    const sh = s.shares[i]!;
    if (sh.overflow > 0) out.push(`${pct(sh.overflow)}% of ${kind} overflow`);
    if (sh.underflow > threshold) out.push(`${pct(sh.underflow)}% of ${kind} underflow`);
    else if (sh.underflow + sh.subnormal > threshold && kind !== "weight grads" && kind !== "activation grads") {
      out.push(`${pct(sh.underflow + sh.subnormal)}% of ${kind} subnormal or zero`);
    }
  }
  return out;
}
