// The named formats of DESIGN.md section 3, their aliases, lookup by name and custom formats.
import { defaultBias, type FormatSpec, type Rule } from "./limits.js";
import { Format } from "./spec.js";

// name, E, M, bias, rule, aliases. Aliases follow the table in DESIGN.md, plus jmp's short names
// (f32, f16) that policy strings use. TF32 rounds to nearest even like every format here; NVIDIA's
// hardware float32 -> tf32 conversion may round ties away from zero instead (DESIGN.md section 3),
// so an emulated tf32 can differ from a GPU's by one tf32 ulp on exact ties.
const BUILT_IN: ReadonlyArray<[string, number, number, number, Rule, string[]]> = [
  ["float32", 8, 23, 127, "ieee", ["fp32", "f32"]],
  ["tf32", 8, 10, 127, "ieee", []],
  ["float16", 5, 10, 15, "ieee", ["fp16", "half", "f16"]],
  ["bfloat16", 8, 7, 127, "ieee", ["bf16"]],
  ["float8_e4m3fn", 4, 3, 7, "fn", ["e4m3", "fp8_e4m3"]],
  ["float8_e5m2", 5, 2, 15, "ieee", ["e5m2", "fp8_e5m2"]],
  ["float8_e4m3fnuz", 4, 3, 8, "fnuz", []],
  ["float8_e5m2fnuz", 5, 2, 16, "fnuz", []],
  ["float6_e2m3fn", 2, 3, 1, "fin", ["fp6_e2m3"]],
  ["float6_e3m2fn", 3, 2, 3, "fin", ["fp6_e3m2"]],
  ["float4_e2m1fn", 2, 1, 1, "fin", ["fp4", "fp4_e2m1"]],
];

const builtIns: readonly Format[] = Object.freeze(
  BUILT_IN.map(
    ([name, exponentBits, mantissaBits, bias, rule, aliases]) =>
      new Format(name, { exponentBits, mantissaBits, bias, rule }, aliases),
  ),
);

/** Lookup key: case-insensitive, and "-" accepted for "_" (float8-e4m3fn). */
function key(name: string): string {
  return name.trim().toLowerCase().replace(/-/g, "_");
}

const byKey = new Map<string, Format>();
for (const f of builtIns) {
  for (const n of [f.name, ...f.aliases]) byKey.set(key(n), f);
}

/** The built-in formats, narrowest last in DESIGN.md's order. */
export function list(): readonly Format[] {
  return builtIns;
}

/** A format by name or alias (case-insensitive); a Format passes through. */
export function get(nameOrFormat: string | Format): Format {
  if (nameOrFormat instanceof Format) return nameOrFormat;
  if (typeof nameOrFormat !== "string") {
    throw new TypeError(`expected a format name or Format, got ${typeof nameOrFormat}`);
  }
  const found = byKey.get(key(nameOrFormat));
  if (found) return found;
  throw new Error(unknownMessage(nameOrFormat));
}

function unknownMessage(name: string): string {
  const known = builtIns.map((f) => (f.aliases.length ? `${f.name} (${f.aliases.join(", ")})` : f.name));
  const guess = closest(key(name), [...byKey.keys()]);
  const hint = guess ? ` Did you mean "${guess}"?` : "";
  return (
    `Unknown float format "${name}".${hint} Known formats (aliases in parentheses): ${known.join(", ")}. ` +
    `Other formats: formats.custom({ exponentBits, mantissaBits, bias?, rule? }).`
  );
}

/** The candidate with the smallest edit distance, if it is close enough to be a plausible typo. */
function closest(word: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

export interface CustomFormatOptions {
  exponentBits: number;
  mantissaBits: number;
  /** Defaults to 2^(E-1) - 1, or 2^(E-1) for fnuz (ml_dtypes' convention). */
  bias?: number;
  /** Defaults to "ieee". */
  rule?: Rule;
  /** Defaults to a name built from the parameters, e.g. "e5m10" or "e4m3_b8_fnuz". */
  name?: string;
}

/**
 * A format from its parameters. It follows the same rounding contract as the named ones; it is not
 * added to the registry (so get() of its name fails), pass the object itself to quantize().
 */
export function custom(opts: CustomFormatOptions): Format {
  if (typeof opts !== "object" || opts === null) {
    throw new TypeError("formats.custom expects { exponentBits, mantissaBits, bias?, rule? }");
  }
  const rule = opts.rule ?? "ieee";
  const { exponentBits, mantissaBits } = opts;
  const spec: FormatSpec = {
    exponentBits,
    mantissaBits,
    bias: opts.bias ?? defaultBias(exponentBits, rule),
    rule,
  };
  const defaultName =
    `e${exponentBits}m${mantissaBits}` +
    (spec.bias !== defaultBias(exponentBits, rule) ? `_b${spec.bias}` : "") +
    (rule !== "ieee" ? `_${rule}` : "");
  return new Format(opts.name ?? defaultName, spec);
}
