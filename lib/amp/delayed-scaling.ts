// fp8 delayed scaling per tensor, as NVIDIA Transformer Engine's DelayedScaling recipe does it
// (DESIGN.md section 4). Each tensor keeps the amaxes (max |x|) of its last `historyLength` casts;
// the scale its *next* cast multiplies by comes from that window:
//
//   amax  = max(history)            (algorithm "max", the default)
//         | history[newest]         (algorithm "most_recent")
//   scale = (fmt.max / amax) / 2^margin     in float32; TE's fused kernel computes
//                                           float32(fmt.max * 2^-margin) / amax, the same value
//   kept  = previous scale when amax is 0 or not finite (inf, NaN)
//   scale = float32 max when the quotient overflows to inf (amax tiny; TE's _default_sf_compute)
//
// The window starts as zeros (TE's amax_history is zero-initialized) and the first scale is 1.
// "Delayed" because autocast casts with scaleFor(name), computed from earlier steps, and then
// reports this cast's amax with update(name, amax).
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import type { Format } from "../formats/index.js";
import { escapeHtml, float32String, valueLabel } from "../formats/text.js";
import { policyFormat, type FormatLike } from "./policy-grammar.js";
import { checkKeys, didYouMean } from "./suggest.js";

export type AmaxAlgorithm = "max" | "most_recent";
const ALGORITHMS: readonly AmaxAlgorithm[] = ["max", "most_recent"];

export interface DelayedScalingOptions {
  /** Length of each tensor's amax window; TE's default 1024. */
  historyLength?: number;
  /** "max" over the window (default) or the "most_recent" amax. */
  algorithm?: AmaxAlgorithm;
  /** Scale down by a further 2^margin for headroom; default 0. */
  margin?: number;
  /** The format of a tensor that update() meets without one: default float8_e4m3fn. */
  format?: FormatLike;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** One tensor's scaling state, as a snapshot. */
export class TensorScaling {
  readonly name: string;
  readonly format: Format;
  /** The scale the next cast multiplies by (float32). */
  readonly scale: number;
  /** 1 / scale, what the cast's result is multiplied back by (float32). */
  readonly scaleInv: number;
  /** The amax the current scale came from; null while the scale is still the initial 1. */
  readonly amax: number | null;
  /** The window, oldest first; only as many as were recorded, up to historyLength. */
  readonly history: readonly number[];
  readonly updates: number;

  constructor(fields: Omit<TensorScaling, typeof DISPLAY>) {
    this.name = fields.name;
    this.format = fields.format;
    this.scale = fields.scale;
    this.scaleInv = fields.scaleInv;
    this.amax = fields.amax;
    this.history = Object.freeze([...fields.history]);
    this.updates = fields.updates;
    Object.freeze(this);
  }

  [DISPLAY](): MimeBundle {
    return new DelayedScalingState([this], null)[DISPLAY]();
  }
}

/** Every tensor's state; renders as a table. */
export class DelayedScalingState {
  readonly tensors: readonly TensorScaling[];
  readonly options: Readonly<Required<Omit<DelayedScalingOptions, "format">> & { format: Format }> | null;

  constructor(tensors: readonly TensorScaling[], options: DelayedScalingState["options"]) {
    this.tensors = Object.freeze([...tensors]);
    this.options = options;
    Object.freeze(this);
  }

  get(name: string): TensorScaling | undefined {
    return this.tensors.find((t) => t.name === name);
  }

  private cells(t: TensorScaling): string[] {
    const latest = t.history.length > 0 ? t.history[t.history.length - 1]! : null;
    return [
      t.name,
      t.format.name,
      valueLabel(t.scale),
      t.amax === null ? "-" : float32String(t.amax),
      latest === null ? "-" : float32String(latest),
      String(t.updates),
    ];
  }

  private static readonly HEADER = ["tensor", "format", "scale", "amax used", "latest amax", "updates"];

  private caption(): string {
    const o = this.options;
    return o === null ? "delayed scaling" : `delayed scaling (${o.algorithm} over ${o.historyLength}, margin ${o.margin})`;
  }

  toString(): string {
    const rows = this.tensors.map((t) => this.cells(t));
    const header = DelayedScalingState.HEADER;
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
    const body = rows.length === 0 ? ["(no tensors yet)"] : rows.map(line);
    return [this.caption(), line(header), ...body].join("\n");
  }

  [DISPLAY](): MimeBundle {
    const th = DelayedScalingState.HEADER.map((h) => `<th style="text-align:left;padding:2px 8px">${escapeHtml(h)}</th>`).join("");
    const body = this.tensors
      .map((t) => `<tr>${this.cells(t).map((c) => `<td style="padding:2px 8px;font-family:monospace">${escapeHtml(c)}</td>`).join("")}</tr>`)
      .join("");
    const html =
      `<table class="tsamp-delayed-scaling" style="border-collapse:collapse"><caption style="text-align:left">` +
      `${escapeHtml(this.caption())}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
    return { "text/plain": this.toString(), "text/html": html };
  }
}

interface Slot {
  format: Format;
  /** Ring buffer of float32 amaxes; `head` is where the next one goes. */
  window: Float32Array;
  head: number;
  recorded: number;
  scale: number;
  amax: number | null;
}

export class DelayedScaling {
  readonly options: Readonly<Required<Omit<DelayedScalingOptions, "format">> & { format: Format }>;
  readonly #slots = new Map<string, Slot>();

  constructor(opts: DelayedScalingOptions = {}) {
    if (typeof opts !== "object" || opts === null) throw new TypeError("amp.delayedScaling expects an options object");
    checkKeys("amp.delayedScaling", opts, ["historyLength", "algorithm", "margin", "format"]);
    const historyLength = opts.historyLength ?? 1024;
    if (!Number.isSafeInteger(historyLength) || historyLength < 1) {
      throw new RangeError(`amp.delayedScaling: historyLength must be a positive integer, got ${String(historyLength)}`);
    }
    const algorithm = opts.algorithm ?? "max";
    if (!ALGORITHMS.includes(algorithm)) {
      throw new Error(
        `amp.delayedScaling: unknown algorithm "${String(algorithm)}".${didYouMean(String(algorithm), ALGORITHMS)} Algorithms: ${ALGORITHMS.join(", ")}.`,
      );
    }
    const margin = opts.margin ?? 0;
    if (typeof margin !== "number" || !Number.isFinite(margin)) {
      throw new RangeError(`amp.delayedScaling: margin must be a finite number, got ${String(margin)}`);
    }
    const format = policyFormat(opts.format ?? "float8_e4m3fn", "amp.delayedScaling: format");
    this.options = Object.freeze({ historyLength, algorithm, margin, format });
  }

  /** Registers a tensor with its format (e4m3 for activations and weights, e5m2 for gradients). */
  track(name: string, format?: FormatLike): this {
    this.#slot(name, format);
    return this;
  }

  /** The scale the next cast of `name` multiplies by; 1 for a tensor never updated. */
  scaleFor(name: string): number {
    return this.#slots.get(name)?.scale ?? 1;
  }

  /** Records this cast's amax of `name` and recomputes its scale; returns the new scale. */
  update(name: string, amax: number, format?: FormatLike): number {
    if (typeof amax !== "number") throw new TypeError(`delayedScaling.update("${name}", amax): amax must be a number, got ${typeof amax}`);
    if (amax < 0) throw new RangeError(`delayedScaling.update("${name}", ${amax}): amax is a max of |x|, never negative`);
    const s = this.#slot(name, format);
    const n = this.options.historyLength;
    s.window[s.head] = amax; // stored as float32, as TE's amax_history
    const newest = s.window[s.head]!;
    s.head = (s.head + 1) % n;
    s.recorded += 1;
    // torch.max propagates NaN, and so does Math.max: a NaN in the window keeps the scale.
    const used = this.options.algorithm === "max" ? maxOf(s.window) : newest;
    if (used > 0 && Number.isFinite(used)) {
      const scaledMax = Math.fround(s.format.max * 2 ** -this.options.margin);
      const sf = Math.fround(scaledMax / used);
      s.scale = Number.isFinite(sf) ? sf : FLOAT32_MAX;
      s.amax = used;
    }
    return s.scale;
  }

  /** One tensor's state (throws for a tensor never tracked, naming the closest one). */
  tensor(name: string): TensorScaling {
    const s = this.#slots.get(name);
    if (s === undefined) {
      const names = [...this.#slots.keys()];
      throw new Error(`delayedScaling: no tensor "${name}".${didYouMean(name, names)} Tensors: ${names.join(", ") || "(none yet)"}.`);
    }
    return this.#snapshot(name, s);
  }

  get names(): string[] {
    return [...this.#slots.keys()];
  }

  get state(): DelayedScalingState {
    return new DelayedScalingState(
      [...this.#slots].map(([n, s]) => this.#snapshot(n, s)),
      this.options,
    );
  }

  /** Forgets one tensor, or all. */
  reset(name?: string): void {
    if (name === undefined) this.#slots.clear();
    else this.#slots.delete(name);
  }

  toString(): string {
    return this.state.toString();
  }

  [DISPLAY](): MimeBundle {
    return this.state[DISPLAY]();
  }

  #slot(name: string, format?: FormatLike): Slot {
    if (typeof name !== "string" || name === "") throw new TypeError("delayedScaling: a tensor needs a non-empty name");
    const existing = this.#slots.get(name);
    const f = format === undefined ? undefined : policyFormat(format, `delayedScaling, tensor "${name}"`);
    if (existing !== undefined) {
      if (f !== undefined && !f.sameAs(existing.format)) {
        throw new Error(`delayedScaling: tensor "${name}" is tracked as ${existing.format.name}, not ${f.name}`);
      }
      return existing;
    }
    const slot: Slot = {
      format: f ?? this.options.format,
      window: new Float32Array(this.options.historyLength),
      head: 0,
      recorded: 0,
      scale: 1,
      amax: null,
    };
    this.#slots.set(name, slot);
    return slot;
  }

  #snapshot(name: string, s: Slot): TensorScaling {
    const n = this.options.historyLength;
    const count = Math.min(s.recorded, n);
    const history: number[] = [];
    for (let i = count; i >= 1; i--) history.push(s.window[(s.head - i + n) % n]!);
    return new TensorScaling({
      name,
      format: s.format,
      scale: s.scale,
      scaleInv: Math.fround(1 / s.scale),
      amax: s.amax,
      history,
      updates: s.recorded,
    });
  }
}

/** The largest element; NaN if any is NaN (as torch.max). */
function maxOf(xs: Float32Array): number {
  let m = -Infinity;
  for (const x of xs) {
    if (Number.isNaN(x)) return NaN;
    if (x > m) m = x;
  }
  return m;
}

export function delayedScaling(opts: DelayedScalingOptions = {}): DelayedScaling {
  return new DelayedScaling(opts);
}
