// Every row of every vector file through quantize() as a tensor op: the TsampQuantize kernel on the
// cpu and wasm backends, and the composite tf-op fallback on both. One tensor per file, one
// quantize call per column, so the whole set runs in a few seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { formats, quantize } from "../../lib/formats/index.js";
import { hasQuantizeKernel } from "../../lib/formats/kernels/register.js";
import { COLUMNS, COLUMN_OPTIONS, loadVectors, mismatches, vectorFormats } from "./vectors.js";

const files = vectorFormats().map(loadVectors);

function runColumn(inputs: Uint32Array, name: string, column: (typeof COLUMNS)[number], composite: boolean): Uint32Array {
  const x = tf.tensor1d(new Float32Array(inputs.slice().buffer), "float32");
  const y = quantize(x, formats.get(name), { ...COLUMN_OPTIONS[column], composite });
  const data = y.dataSync() as Float32Array;
  const bits = new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  tf.dispose([x, y]);
  return bits;
}

describe.each([
  ["cpu", false],
  ["wasm", false],
  ["cpu", true],
  ["wasm", true],
] as const)("quantize on %s (composite: %s)", (backend, composite) => {
  beforeAll(async () => {
    await backends.use(backend);
  });

  it("runs where expected", () => {
    expect(tf.getBackend()).toBe(backend);
    expect(hasQuantizeKernel(backend)).toBe(true);
  });

  it.each(files.map((f) => [f.format, f] as const))("matches every row of %s", (_, v) => {
    const before = tf.memory().numTensors;
    for (const column of COLUMNS) {
      const got = runColumn(v.inputs, v.format, column, composite);
      expect(mismatches(v, column, got).slice(0, 10)).toEqual([]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("custom formats on the vectors", () => {
  beforeAll(async () => {
    await backends.use("cpu");
  });
  afterAll(() => undefined);

  // Built from parameters only (default bias and rule where they match), each must equal the named one.
  const customs: Array<[string, Parameters<typeof formats.custom>[0]]> = [
    ["float16", { exponentBits: 5, mantissaBits: 10 }],
    ["bfloat16", { exponentBits: 8, mantissaBits: 7 }],
    ["tf32", { exponentBits: 8, mantissaBits: 10 }],
    ["float8_e5m2", { exponentBits: 5, mantissaBits: 2 }],
    ["float8_e4m3fn", { exponentBits: 4, mantissaBits: 3, rule: "fn" }],
    ["float8_e4m3fnuz", { exponentBits: 4, mantissaBits: 3, rule: "fnuz" }],
    ["float8_e5m2fnuz", { exponentBits: 5, mantissaBits: 2, rule: "fnuz" }],
    ["float6_e2m3fn", { exponentBits: 2, mantissaBits: 3, rule: "fin" }],
    ["float6_e3m2fn", { exponentBits: 3, mantissaBits: 2, rule: "fin" }],
    ["float4_e2m1fn", { exponentBits: 2, mantissaBits: 1, rule: "fin" }],
  ];

  it.each(customs)("custom(%s parameters) matches the %s vectors", (name, params) => {
    const fmt = formats.custom(params);
    expect(fmt.sameAs(formats.get(name))).toBe(true);
    const v = loadVectors(name);
    for (const column of COLUMNS) {
      const x = tf.tensor1d(new Float32Array(v.inputs.slice().buffer), "float32");
      const y = quantize(x, fmt, COLUMN_OPTIONS[column]);
      const got = new Uint32Array((y.dataSync() as Float32Array).slice().buffer);
      tf.dispose([x, y]);
      expect(mismatches(v, column, got).slice(0, 10)).toEqual([]);
    }
  });
});
