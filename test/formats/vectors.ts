// Loads shared/vectors/<format>.json (DESIGN.md section 3) from ../shared, next to the project; the
// vectors are shared between projects and never copied in. Columns: input, nearest_even,
// nearest_even_saturate, toward_zero, each float32 bits in hex or "nan" (any NaN matches).
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const VECTOR_DIR = fileURLToPath(new URL("../../../shared/vectors/", import.meta.url));

export const COLUMNS = ["nearest_even", "nearest_even_saturate", "toward_zero"] as const;
export type Column = (typeof COLUMNS)[number];

/** The quantize options each expected column was made with. */
export const COLUMN_OPTIONS: Record<Column, { rounding: "nearest-even" | "toward-zero"; saturate: boolean }> = {
  nearest_even: { rounding: "nearest-even", saturate: false },
  nearest_even_saturate: { rounding: "nearest-even", saturate: true },
  toward_zero: { rounding: "toward-zero", saturate: false },
};

/** A vector file: inputs as float32 bit patterns, expected patterns per column (null = any NaN). */
export interface VectorFile {
  format: string;
  spec: { exponent_bits: number; mantissa_bits: number; bias: number; rule: string; max: number; min_normal: number; min_subnormal: number };
  inputs: Uint32Array;
  expected: Record<Column, Array<number | null>>;
}

const CANONICAL_NAN = 0x7fc00000;

function parseCell(cell: string): number | null {
  return cell === "nan" ? null : parseInt(cell, 16) >>> 0;
}

export function vectorFormats(): string[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

export function loadVectors(format: string): VectorFile {
  const raw = JSON.parse(readFileSync(`${VECTOR_DIR}${format}.json`, "utf8")) as {
    format: string;
    spec: VectorFile["spec"];
    columns: string[];
    cases: string[][];
  };
  const names = ["input", ...COLUMNS];
  if (JSON.stringify(raw.columns) !== JSON.stringify(names)) {
    throw new Error(`${format}.json: unexpected columns ${JSON.stringify(raw.columns)}`);
  }
  const inputs = new Uint32Array(raw.cases.length);
  const expected = { nearest_even: [], nearest_even_saturate: [], toward_zero: [] } as VectorFile["expected"];
  raw.cases.forEach((row, i) => {
    inputs[i] = parseCell(row[0]!) ?? CANONICAL_NAN;
    COLUMNS.forEach((c, j) => expected[c].push(parseCell(row[j + 1]!)));
  });
  return { format: raw.format, spec: raw.spec, inputs, expected };
}

const isNanBits = (b: number) => (b & 0x7fffffff) > 0x7f800000;

/** Rows where `actual` (float32 bit patterns) differs from the column, as readable lines. */
export function mismatches(v: VectorFile, column: Column, actual: Uint32Array | number[]): string[] {
  const out: string[] = [];
  const hex = (b: number) => (b >>> 0).toString(16).padStart(8, "0");
  v.expected[column].forEach((want, i) => {
    const got = actual[i]! >>> 0;
    const ok = want === null ? isNanBits(got) : got === want;
    if (!ok) out.push(`${v.format} ${column} row ${i}: input ${hex(v.inputs[i]!)} want ${want === null ? "nan" : hex(want)} got ${hex(got)}`);
  });
  return out;
}
