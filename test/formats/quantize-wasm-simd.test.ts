// The wasm backend's quantize kernel on each of its paths (lib/formats/kernels/wasm-simd.ts): the
// SIMD module on the backend's own memory ("imported"), the same module copying through a memory
// of its own ("scratch"), and the JS loop ("js", the fallback where SIMD is missing). Each must
// equal the cpu kernel (the scalar reference roundBits) bit for bit, where a NaN matches any NaN
// (DESIGN.md; the fastest nearest-even functions let NaN through their float arithmetic, and they
// and the trimmed stochastic ones give it the sign of x): on every
// vector row, on random bit patterns (every exponent, NaN payloads, subnormals) for every format,
// rule, saturate and rounding mode, stochastic with the same seeded draws, at lengths that are not
// multiples of 4, and on tensors large enough to need many scratch chunks. It must write nothing
// outside its output.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { readFileSync } from "node:fs";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { formats, quantize, type Format } from "../../lib/formats/index.js";
import type { QuantizeAttrs } from "../../lib/formats/kernels/attrs.js";
import { roundArray } from "../../lib/formats/kernels/round-array.js";
import type { Rounding } from "../../lib/formats/round.js";
import {
  lastWasmQuantizePath,
  quantizeOnHeap,
  setWasmQuantizePath,
  wasmSimdFunction,
  wasmSimdSupported,
  type EmscriptenModuleLike,
  type WasmQuantizePath,
} from "../../lib/formats/kernels/wasm-simd.js";
import { QUANTIZE_WAT_SHA256 } from "../../lib/formats/kernels/wasm-simd-binary.js";
import { COLUMNS, COLUMN_OPTIONS, loadVectors, mismatches, vectorFormats } from "./vectors.js";
import { FORMATS, boundaries, patterns } from "./patterns.js";

const PATHS: readonly WasmQuantizePath[] = ["imported", "scratch", "js"];
const ROUNDINGS: readonly Rounding[] = ["nearest-even", "toward-zero", "stochastic"];
const hex = (b: number) => (b >>> 0).toString(16).padStart(8, "0");

function tensorOf(b: Uint32Array, shape?: number[]): tf.Tensor {
  return tf.tensor(new Float32Array(b.slice().buffer), shape ?? [b.length], "float32");
}

function bitsOf(t: tf.Tensor): Uint32Array {
  const v = t.dataSync() as Float32Array;
  return new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

interface Case {
  format: Format;
  rounding: Rounding;
  saturate: boolean;
  seed: number;
}

function quantizeBits(input: Uint32Array, c: Case, shape?: number[]): Uint32Array {
  const x = tensorOf(input, shape);
  const y = quantize(x, c.format, { rounding: c.rounding, saturate: c.saturate, seed: c.seed });
  expect(y.shape).toEqual(x.shape);
  const out = bitsOf(y);
  tf.dispose([x, y]);
  return out;
}

const isNaNBits = (b: number) => (b & 0x7fffffff) > 0x7f800000;

/** Patterns with every NaN as the canonical one: results compared this way match where DESIGN.md's vectors do. */
function anyNaN(bits: Uint32Array): number[] {
  return Array.from(bits, (b) => (isNaNBits(b) ? 0x7fc00000 : b));
}

/** The first few elements where two results differ (a NaN matches any NaN), as readable lines. */
function differences(input: Uint32Array, want: Uint32Array, got: Uint32Array, what: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 5; i++) {
    if (want[i] !== got[i] && !(isNaNBits(want[i]!) && isNaNBits(got[i]!))) out.push(`${what} i=${i}: in ${hex(input[i]!)} cpu ${hex(want[i]!)} wasm ${hex(got[i]!)}`);
  }
  return out;
}

/** The cpu kernel's results for each case (the reference), then the wasm kernel's on `path`. */
async function compareWithCpu(input: Uint32Array, cases: Case[], path: WasmQuantizePath, shape?: number[]): Promise<string[]> {
  await backends.use("cpu");
  const want = cases.map((c) => quantizeBits(input, c, shape));
  await backends.use("wasm");
  setWasmQuantizePath(path);
  const problems: string[] = [];
  for (const [k, c] of cases.entries()) {
    const got = quantizeBits(input, c, shape);
    const what = `${c.format.name} ${c.rounding}${c.saturate ? " saturate" : ""} seed ${c.seed} n ${input.length} ${path}`;
    problems.push(...differences(input, want[k]!, got, what));
    // A length under 4 always takes the JS loop; otherwise the forced path ran (or, for a format
    // outside the module's reach, the JS loop: see the qmin test below).
    if (input.length < 4) expect(lastWasmQuantizePath()).toBe("js");
  }
  return problems;
}

function allCases(seed: number): Case[] {
  return FORMATS.flatMap((format) =>
    ROUNDINGS.flatMap((rounding) => [false, true].map((saturate) => ({ format, rounding, saturate, seed }))),
  );
}

describe("wasm quantize kernel paths", () => {
  beforeAll(async () => {
    await backends.use("wasm");
  });
  afterEach(() => {
    setWasmQuantizePath("auto");
  });
  afterAll(() => {
    setWasmQuantizePath("auto");
  });

  it("has WebAssembly SIMD here, and the default path imports the backend's memory", () => {
    expect(wasmSimdSupported()).toBe(true);
    const x = tf.randomNormal([1000]);
    tf.dispose([quantize(x, "float16"), x]);
    expect(lastWasmQuantizePath()).toBe("imported");
  });

  it("runs the module compiled from the current quantize.wat", async () => {
    const { generate, WAT_PATH, OUTPUT_PATH } = (await import("../../lib/formats/kernels/wasm-simd/build.mjs")) as {
      generate(wat: string): Promise<string>;
      WAT_PATH: string;
      OUTPUT_PATH: string;
    };
    const wat = readFileSync(WAT_PATH, "utf8");
    expect(await generate(wat)).toBe(readFileSync(OUTPUT_PATH, "utf8"));
    expect(readFileSync(OUTPUT_PATH, "utf8")).toContain(QUANTIZE_WAT_SHA256);
  });

  it("exercises every function of the module with these formats", () => {
    const used = new Set(
      allCases(0).map((c) =>
        wasmSimdFunction({
          exponentBits: c.format.exponentBits,
          mantissaBits: c.format.mantissaBits,
          bias: c.format.bias,
          rule: c.format.rule,
          rounding: c.rounding,
          saturate: c.saturate,
          seed: 0,
        }),
      ),
    );
    expect([...used].sort()).toEqual([
      "nearestEven",
      "nearestEvenFloat",
      "nearestEvenFloatClamped",
      "nearestEvenFloatInfNaN",
      "nearestEvenInt",
      "nearestEvenIntClamped",
      "stochastic",
      "stochasticClamped",
      "stochasticInfNaN",
      "towardZero",
    ]);
    // The named formats the benchmarks use take the fast nearest-even functions.
    const fn = (name: string, saturate = false, rounding: Rounding = "nearest-even") => {
      const f = formats.get(name);
      const { exponentBits, mantissaBits, bias, rule } = f;
      return wasmSimdFunction({ exponentBits, mantissaBits, bias, rule, rounding, saturate, seed: 0 });
    };
    expect(["float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"].map((name) => fn(name))).toEqual(new Array(3).fill("nearestEvenFloatClamped"));
    expect(["float16", "float8_e4m3fn", "float8_e5m2"].map((name) => fn(name, true))).toEqual(new Array(3).fill("nearestEvenFloatClamped"));
    expect(["float16", "float8_e4m3fn", "float8_e5m2"].map((name) => fn(name))).toEqual(new Array(3).fill("nearestEvenFloatInfNaN"));
    // Zero has no sign (fnuz): the sign test stays.
    expect(["float8_e4m3fnuz", "float8_e5m2fnuz"].flatMap((name) => [fn(name), fn(name, true)])).toEqual(new Array(4).fill("nearestEvenFloat"));
    expect(["bfloat16", "tf32", "float32"].flatMap((name) => [fn(name), fn(name, true)])).toEqual(new Array(6).fill("nearestEvenIntClamped"));
    // Stochastic: the trimmed functions wherever zero has a sign and the format drops 1-22 bits.
    const stochastic = (name: string, saturate = false) => fn(name, saturate, "stochastic");
    expect(["float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"].map((name) => stochastic(name))).toEqual(new Array(3).fill("stochasticClamped"));
    expect(["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"].map((name) => stochastic(name, true))).toEqual(new Array(4).fill("stochasticClamped"));
    expect(["float16", "bfloat16", "tf32", "float8_e4m3fn", "float8_e5m2"].map((name) => stochastic(name))).toEqual(new Array(5).fill("stochasticInfNaN"));
    expect(["float8_e4m3fnuz", "float8_e5m2fnuz", "float32"].map((name) => stochastic(name))).toEqual(new Array(3).fill("stochastic"));
  });

  describe.each(PATHS)("path %s", (path) => {
    const files = vectorFormats().map(loadVectors);

    it.each(files.map((f) => [f.format, f] as const))("matches every row of the %s vectors", async (_, v) => {
      await backends.use("wasm");
      setWasmQuantizePath(path);
      const before = tf.memory().numTensors;
      for (const column of COLUMNS) {
        const x = tensorOf(v.inputs);
        const y = quantize(x, v.format, COLUMN_OPTIONS[column]);
        expect(lastWasmQuantizePath()).toBe(path);
        const got = bitsOf(y);
        tf.dispose([x, y]);
        expect(mismatches(v, column, got).slice(0, 10)).toEqual([]);
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    it("equals the cpu kernel on random patterns: every format, rule, saturate and rounding", async () => {
      // 4099 elements: not a multiple of 4, so the last window overlaps.
      const input = patterns(4099, 11);
      expect(await compareWithCpu(input, allCases(2 ** 33 + 5), path)).toEqual([]);
    });

    it("equals the cpu kernel at every format's boundaries: max, ties past it, the smallest normal, subnormal ties", async () => {
      const problems: string[] = [];
      for (const format of FORMATS) {
        const cases = ROUNDINGS.flatMap((rounding) => [false, true].map((saturate) => ({ format, rounding, saturate, seed: 99 })));
        problems.push(...(await compareWithCpu(boundaries(format), cases, path)));
      }
      expect(problems.slice(0, 10)).toEqual([]);
    });

    it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 17, 33, 1023])("equals the cpu kernel at length %i", async (n) => {
      const input = patterns(n, n);
      const cases = allCases(n * 7919);
      expect(await compareWithCpu(input, cases, path)).toEqual([]);
    });

    it("keeps the shape of an n-d tensor whose size is odd", async () => {
      const input = patterns(3 * 5 * 7, 3);
      const cases: Case[] = ROUNDINGS.map((rounding) => ({ format: formats.get("float8_e4m3fn"), rounding, saturate: true, seed: 9 }));
      expect(await compareWithCpu(input, cases, path, [3, 5, 7])).toEqual([]);
    });
  });

  it.each(["imported", "scratch"] as const)("%s: a large tensor (2^22 + 3 elements, many scratch chunks)", async (path) => {
    const input = patterns(2 ** 22 + 3, 5);
    const cases: Case[] = [
      { format: formats.get("float16"), rounding: "nearest-even", saturate: false, seed: 0 },
      { format: formats.get("bfloat16"), rounding: "stochastic", saturate: false, seed: 2 ** 40 + 1 },
      { format: formats.get("float4_e2m1fn"), rounding: "toward-zero", saturate: false, seed: 0 },
      { format: formats.get("float8_e4m3fn"), rounding: "stochastic", saturate: true, seed: 77 },
    ];
    expect(await compareWithCpu(input, cases, path)).toEqual([]);
  });

  it("stochastic draws follow the element index across chunks and windows (many seeds)", async () => {
    const input = patterns(2 ** 18 + 5, 8); // one full scratch chunk, then a chunk of 5
    const cases: Case[] = [0, 1, 2 ** 32 - 1, 2 ** 32, 123456789, 2 ** 52 + 3].map((seed) => ({
      format: formats.get("float8_e5m2"),
      rounding: "stochastic" as const,
      saturate: false,
      seed,
    }));
    for (const path of ["imported", "scratch"] as const) expect(await compareWithCpu(input, cases, path)).toEqual([]);
  });

  it("takes the JS loop for a format whose smallest subnormal is above 2^31 (stochastic), and agrees", async () => {
    const far = formats.custom({ exponentBits: 2, mantissaBits: 2, bias: -40, rule: "fin" }); // qmin = 39
    const input = patterns(1001, 4);
    const cases: Case[] = ROUNDINGS.map((rounding) => ({ format: far, rounding, saturate: false, seed: 5 }));
    expect(await compareWithCpu(input, cases, "imported")).toEqual([]);
    await backends.use("wasm");
    setWasmQuantizePath("auto");
    const x = tensorOf(input);
    tf.dispose(quantize(x, far, { rounding: "stochastic", seed: 1 }));
    expect(lastWasmQuantizePath()).toBe("js");
    tf.dispose(quantize(x, far, { rounding: "nearest-even" }));
    expect(lastWasmQuantizePath()).toBe("imported");
    x.dispose();
  });

  describe("on the heap directly", () => {
    interface BackendInternals {
      wasm: EmscriptenModuleLike;
      dataIdMap: { get(id: object): { memoryOffset: number } };
    }
    const internals = () => tf.backend() as unknown as BackendInternals;
    const attrsOf = (format: Format, rounding: Rounding, seed = 3): QuantizeAttrs => ({
      exponentBits: format.exponentBits,
      mantissaBits: format.mantissaBits,
      bias: format.bias,
      rule: format.rule,
      rounding,
      saturate: false,
      seed,
    });

    beforeAll(async () => {
      await backends.use("wasm");
    });

    it.each(["imported", "scratch"] as const)("%s writes exactly the n output elements, for every n mod 4", (path) => {
      setWasmQuantizePath(path);
      const GUARD = 0x5a5a5a5a;
      for (const n of [4, 5, 6, 7, 8, 13, 4099]) {
        for (const rounding of ROUNDINGS) {
          const input = patterns(n, n);
          const x = tensorOf(input);
          // The output region: n elements with 8 guard elements on each side.
          const area = tf.tensor1d(new Float32Array(new Uint32Array(n + 16).fill(GUARD).buffer));
          const be = internals();
          const src = be.dataIdMap.get(x.dataId).memoryOffset;
          const dst = be.dataIdMap.get(area.dataId).memoryOffset + 8 * 4;
          expect(quantizeOnHeap(be.wasm, src, dst, n, attrsOf(formats.get("float16"), rounding))).toBe(path);
          const got = bitsOf(area);
          expect(Array.from(got.subarray(0, 8))).toEqual(new Array(8).fill(GUARD));
          expect(Array.from(got.subarray(n + 8))).toEqual(new Array(8).fill(GUARD));
          expect(anyNaN(got.subarray(8, n + 8))).toEqual(anyNaN(bitsOf(quantize(x, "float16", { rounding, seed: 3 }))));
          expect(Array.from(bitsOf(x))).toEqual(Array.from(input)); // the input is untouched
          tf.dispose([x, area]);
        }
      }
    });

    it.each(["imported", "scratch"] as const)("%s rounds in place (src = dst) to the same result", (path) => {
      setWasmQuantizePath(path);
      for (const rounding of ROUNDINGS) {
        const input = patterns(1027, 2);
        const want = bitsOf(quantize(tensorOf(input), "float8_e4m3fn", { rounding, seed: 3 }));
        const x = tensorOf(input);
        const be = internals();
        const off = be.dataIdMap.get(x.dataId).memoryOffset;
        quantizeOnHeap(be.wasm, off, off, input.length, attrsOf(formats.get("float8_e4m3fn"), rounding));
        expect(anyNaN(bitsOf(x))).toEqual(anyNaN(want));
        x.dispose();
      }
    });
  });

  it("imports a shared memory too (the threaded wasm backend's kind)", () => {
    setWasmQuantizePath("auto");
    type MemoryCtor = new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
    const Memory = (globalThis as unknown as { WebAssembly: { Memory: MemoryCtor } }).WebAssembly.Memory;
    const memory = new Memory({ initial: 2, maximum: 65536, shared: true });
    const em: EmscriptenModuleLike = { HEAPU8: new Uint8Array(memory.buffer), wasmMemory: memory };
    const n = 1001;
    const input = patterns(n, 21);
    new Uint32Array(memory.buffer, 64, n).set(input);
    for (const rounding of ROUNDINGS) {
      const attrs: QuantizeAttrs = { exponentBits: 5, mantissaBits: 2, bias: 15, rule: "ieee", rounding, saturate: false, seed: 12 };
      expect(quantizeOnHeap(em, 64, 64 + 4 * 1024, n, attrs)).toBe("imported");
      const want = new Float32Array(n);
      roundArray(new Float32Array(input.slice().buffer), want, attrs);
      expect(anyNaN(new Uint32Array(memory.buffer, 64 + 4 * 1024, n))).toEqual(anyNaN(new Uint32Array(want.buffer)));
    }
  });

  it("leaks no tensors and no heap, on any path", () => {
    const x = tf.randomNormal([10_001]);
    const run = () => {
      for (const path of PATHS) {
        setWasmQuantizePath(path);
        for (const rounding of ROUNDINGS) tf.dispose(quantize(x, "float8_e5m2", { rounding, seed: 1 }));
      }
    };
    run();
    const before = tf.memory();
    const heapBefore = (tf.backend() as unknown as { wasm: EmscriptenModuleLike }).wasm.HEAPU8.length;
    for (let i = 0; i < 20; i++) run();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect((tf.backend() as unknown as { wasm: EmscriptenModuleLike }).wasm.HEAPU8.length).toBe(heapBefore);
    x.dispose();
  });

  it("declines (so the kernel runs the JS loop) where the engine rejects the SIMD module", async () => {
    // A fresh copy of wasm-simd.ts, as loaded on an engine without wasm SIMD.
    const wasmApi = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    const validate = vi.spyOn(wasmApi, "validate").mockReturnValue(false);
    try {
      vi.resetModules();
      const fresh = await import("../../lib/formats/kernels/wasm-simd.js");
      expect(fresh.wasmSimdSupported()).toBe(false);
      const x = tf.tensor1d(new Float32Array(64).fill(1.1));
      const be = tf.backend() as unknown as { wasm: EmscriptenModuleLike; dataIdMap: { get(id: object): { memoryOffset: number } } };
      const off = be.dataIdMap.get(x.dataId).memoryOffset;
      const f16 = formats.get("float16");
      const attrs: QuantizeAttrs = { exponentBits: 5, mantissaBits: 10, bias: 15, rule: f16.rule, rounding: "nearest-even", saturate: false, seed: 0 };
      expect(fresh.quantizeOnHeap(be.wasm, off, off, 64, attrs)).toBeNull();
      expect(Array.from(x.dataSync())).toEqual(new Array(64).fill(Math.fround(1.1))); // untouched
      x.dispose();
    } finally {
      validate.mockRestore();
      vi.resetModules();
    }
  });

  it("keeps the straight-through gradient", () => {
    const x = tf.tensor1d([0.1, 1.7, -3.3, 1e-9, 70000]);
    const g = tf.grad((t: tf.Tensor) => quantize(t, "float16").sum())(x);
    expect(Array.from(g.dataSync())).toEqual([1, 1, 1, 1, 1]);
    tf.dispose([x, g]);
  });
});
