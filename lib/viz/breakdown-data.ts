// Where a tensor's values land in each of some float formats (Micikevicius et al. 2018, Fig. 3):
// a histogram of log2|x| split by region, each region's share, and the relative error of the
// values that stay representable, measured by quantize() itself.
//
// Regions, by the magnitude |x| of a nonzero finite value:
//   underflow  it rounds to zero (|x| at or below half the smallest subnormal, ties to even)
//   subnormal  below the smallest normal, not underflowing
//   normal     from the smallest normal up to where rounding passes max
//   overflow   rounding passes max (inf, NaN or saturation, by the format's rule)
// Zeros and non-finite inputs are counted apart; shares are of all elements, so with zeros and
// non-finite values they add up to 1.
import { quantize } from "../formats/quantize.js";
import { get } from "../formats/registry.js";
import { inspect } from "../formats/inspect.js";
import type { Format } from "../formats/spec.js";
import * as tf from "../tf.js";

export type Region = "underflow" | "subnormal" | "normal" | "overflow";
export const REGIONS: readonly Region[] = ["underflow", "subnormal", "normal", "overflow"];

export interface RelativeError {
  /** Over the subnormal and normal values; null when there are none. */
  mean: number;
  median: number;
  max: number;
}

export interface FormatBreakdown {
  format: Format;
  counts: Record<Region, number>;
  /** counts / all elements. */
  shares: Record<Region, number>;
  relError: RelativeError | null;
  /** |x| <= this rounds to zero. */
  underflowAtOrBelow: number;
  minNormal: number;
  /** |x| past this overflows (>= when `overflowInclusive`); Infinity when only inf does. */
  overflowFrom: number;
  overflowInclusive: boolean;
  /** Per histogram bin, how many values fall in each region. */
  histogram: Record<Region, number[]>;
}

export interface BreakdownData {
  size: number;
  shape: number[];
  zeros: number;
  nonFinite: number;
  /** Multiplier applied before the breakdown (a loss scale), 1 if none. */
  scale: number;
  /** log2|x| of the smallest and largest nonzero finite magnitudes; null if there are none. */
  log2Min: number | null;
  log2Max: number | null;
  /** Histogram bin edges in log2|x| (length bins + 1). */
  edges: number[];
  formats: FormatBreakdown[];
}

export type TensorInput = tf.Tensor | ArrayLike<number> | number[][];

function valuesOf(x: TensorInput): { values: Float32Array; shape: number[] } {
  if (x instanceof tf.Tensor) {
    const data = x.dtype === "float32" ? (x.dataSync() as Float32Array) : Float32Array.from(x.dataSync() as ArrayLike<number>);
    return { values: data, shape: [...x.shape] };
  }
  if (Array.isArray(x) && x.length > 0 && Array.isArray(x[0])) {
    const flat = (x as number[][]).flat(Infinity as 1) as number[];
    return { values: Float32Array.from(flat), shape: [x.length, (x[0] as number[]).length] };
  }
  const arr = Float32Array.from(x as ArrayLike<number>);
  return { values: arr, shape: [arr.length] };
}

/** Where rounding to `f` passes max: the midpoint above max, inclusive when the tie rounds up. */
export function overflowThreshold(f: Format): { from: number; inclusive: boolean } {
  const e = Math.floor(Math.log2(f.max));
  const mid = f.max + 2 ** (e - f.mantissaBits - 1);
  if (Math.fround(mid) !== mid) return { from: Infinity, inclusive: false };
  return { from: mid, inclusive: inspect(mid, f).class === "overflow" };
}

function autoBinsPerOctave(span: number): number {
  if (span <= 6) return 8;
  if (span <= 12) return 4;
  if (span <= 24) return 2;
  return 1;
}

export function computeBreakdown(
  input: TensorInput,
  formatsIn: ReadonlyArray<string | Format>,
  opts: { scale?: number; binsPerOctave?: number } = {},
): BreakdownData {
  const { values: raw, shape } = valuesOf(input);
  const scale = opts.scale ?? 1;
  if (!(typeof scale === "number" && Number.isFinite(scale) && scale > 0)) {
    throw new RangeError(`viz.breakdown: scale must be a finite number > 0, got ${String(scale)}`);
  }
  const values = scale === 1 ? raw : raw.map((v) => Math.fround(v * scale));
  const formats = formatsIn.map((f) => get(f));
  const n = values.length;

  let zeros = 0;
  let nonFinite = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const log2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === 0) {
      zeros++;
      log2[i] = NaN;
    } else if (!Number.isFinite(v)) {
      nonFinite++;
      log2[i] = NaN;
    } else {
      const l = Math.log2(Math.abs(v));
      log2[i] = l;
      if (l < lo) lo = l;
      if (l > hi) hi = l;
    }
  }
  const any = lo !== Infinity;
  const bpo = opts.binsPerOctave ?? (any ? autoBinsPerOctave(hi - lo) : 1);
  const first = any ? Math.floor(lo * bpo) / bpo : 0;
  let bins = any ? Math.floor(hi * bpo) - Math.floor(lo * bpo) + 1 : 0;
  let width = 1 / bpo;
  if (bins > 400) {
    width *= Math.ceil(bins / 400);
    bins = Math.ceil((hi - first) / width + 1e-9) || 1;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => first + i * width);
  const binOf = (l: number) => Math.min(bins - 1, Math.max(0, Math.floor((l - first) / width + 1e-12)));

  const input32 = tf.tensor1d(values, "float32");
  try {
    const breakdowns = formats.map((f): FormatBreakdown => {
      const q = tf.tidy(() => quantize(input32, f).dataSync() as Float32Array);
      const { from, inclusive } = overflowThreshold(f);
      const counts: Record<Region, number> = { underflow: 0, subnormal: 0, normal: 0, overflow: 0 };
      const histogram = Object.fromEntries(REGIONS.map((r) => [r, new Array<number>(bins).fill(0)])) as Record<Region, number[]>;
      const errors: number[] = [];
      for (let i = 0; i < n; i++) {
        const l = log2[i]!;
        if (Number.isNaN(l)) continue;
        const v = values[i]!;
        const a = Math.abs(v);
        let region: Region;
        if (a > from || (inclusive && a === from)) region = "overflow";
        else if (q[i] === 0) region = "underflow";
        else if (a < f.minNormal) region = "subnormal";
        else region = "normal";
        counts[region]++;
        histogram[region][binOf(l)]++;
        if (region === "subnormal" || region === "normal") errors.push(Math.abs(q[i]! - v) / a);
      }
      // Shares of the values counted: zeros and non-finite values are reported apart, not diluted in.
      const counted = REGIONS.reduce((sum, r) => sum + counts[r], 0);
      const shares = Object.fromEntries(REGIONS.map((r) => [r, counted === 0 ? 0 : counts[r] / counted])) as Record<Region, number>;
      return {
        format: f,
        counts,
        shares,
        relError: errors.length === 0 ? null : relErrorStats(errors),
        underflowAtOrBelow: f.minSubnormal / 2,
        minNormal: f.minNormal,
        overflowFrom: from,
        overflowInclusive: inclusive,
        histogram,
      };
    });
    return {
      size: n,
      shape,
      zeros,
      nonFinite,
      scale,
      log2Min: any ? lo : null,
      log2Max: any ? hi : null,
      edges,
      formats: breakdowns,
    };
  } finally {
    input32.dispose();
  }
}

function relErrorStats(errors: number[]): RelativeError {
  const sorted = Float64Array.from(errors).sort();
  let sum = 0;
  for (const e of sorted) sum += e;
  const m = sorted.length;
  const median = m % 2 === 1 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
  return { mean: sum / m, median, max: sorted[m - 1]! };
}
