// MX block quantization against values worked out by hand from OCP Microscaling v1.0, section 6.3:
//   X = 2^(floor(log2(amax)) - emax_elem), clamped to E8M0's [2^-127, 2^127]; P_i = cast(V_i / X)
//   with saturation; the block decodes to P_i * X.
// emax_elem, the exponent of the element format's largest normal: e4m3 8 (448 = 1.75 * 2^8),
// e5m2 15, e2m3 2 (7.5 = 1.875 * 2^2), e3m2 4 (28 = 1.75 * 2^4), e2m1 2 (6 = 1.5 * 2^2).
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { formats } from "../../lib/index.js";

const arr = (t: tf.Tensor) => Array.from(t.dataSync());

describe.each(["cpu", "wasm"])("MX on %s", (backend) => {
  beforeAll(async () => {
    await backends.use(backend);
  });

  it("MXFP8 e4m3: one block of 32 with a value past the element range", () => {
    // amax = 1000; floor(log2 1000) = 9 (512 <= 1000 < 1024); 9 - 8 = 1, so X = 2.
    // V/X = 0.25, 0.5, 1.5, 500, 0 ... ; 0.25, 0.5, 1.5 are e4m3 values; 500 lies between 480 and
    // 512 (spacing 32 in [256, 512)) and rounds to 512 > 448, so saturation gives 448.
    // Decoded: 0.5, 1, 3, 896, then zeros.
    const x = tf.tensor1d([0.5, 1, 3, 1000, ...new Array(28).fill(0)]);
    const b = formats.mx.encode(x, "mxfp8_e4m3");
    expect(b.format.name).toBe("float8_e4m3fn");
    expect(arr(b.scales)).toEqual([2]);
    expect(arr(b.scaleExponents)).toEqual([1]);
    expect(arr(b.elements).slice(0, 5)).toEqual([0.25, 0.5, 1.5, 448, 0]);
    expect(arr(b.values).slice(0, 5)).toEqual([0.5, 1, 3, 896, 0]);
    expect(b.values.shape).toEqual([32]);
    tf.dispose([x, b.values, b.elements, b.scales, b.scaleExponents]);
  });

  it("MXFP4: blocks of 4, ties to even", () => {
    // fp4 e2m1 magnitudes: 0, 0.5, 1, 1.5, 2, 3, 4, 6.
    // Block 1: amax = 5, floor(log2 5) = 2, 2 - 2 = 0, X = 1.
    //   0.3 -> 0.5 (nearer than 0); -1.7 -> -1.5 (0.2 away vs 0.3); 5 -> tie of 4 (mantissa 0) and 6
    //   (mantissa 1): 4; 2.6 -> 3 (0.4 away vs 0.6).
    // Block 2: amax = 0.75, floor(log2 0.75) = -1, -1 - 2 = -3, X = 1/8.
    //   V/X = 0.8, 6, -2.4, 0.1 -> 1, 6, -2, 0 (0.1 < 0.25, half of the smallest subnormal 0.5).
    //   Decoded: 0.125, 0.75, -0.25, 0.
    const x = tf.tensor2d([[0.3, -1.7, 5, 2.6, 0.1, 0.75, -0.3, 0.0125]]);
    const b = formats.mx.encode(x, "mxfp4", { blockSize: 4 });
    expect(b.scales.shape).toEqual([1, 2]);
    expect(arr(b.scales)).toEqual([1, 0.125]);
    expect(arr(b.elements)).toEqual([0.5, -1.5, 4, 3, 1, 6, -2, 0]);
    expect(arr(b.values)).toEqual([0.5, -1.5, 4, 3, 0.125, 0.75, -0.25, 0]);
    tf.dispose([x, b.values, b.elements, b.scales, b.scaleExponents]);
  });

  it("MXFP6 e3m2 with a padded last block and leading axes", () => {
    // Rows of 5 values with blockSize 4: blocks [0..3] and [4] (zero-padded to 4).
    // Row 0, block 0: amax = 100, floor(log2 100) = 6, 6 - 4 = 2, X = 4. V/X = 25, 1, -0.5, 0.3:
    //   25 lies in [16, 32), spacing 4: 24 (1 away) vs 28 (3 away) -> 24; 1 -> 1; -0.5 -> -0.5;
    //   0.3 lies in [0.25, 0.5), spacing 0.0625: 0.3/0.0625 = 4.8 -> 5 -> 0.3125.
    //   Decoded: 96, 4, -2, 1.25.
    // Row 0, block 1: just 7: floor(log2 7) = 2, 2 - 4 = -2, X = 0.25, V/X = 28 = max -> 7.
    // Row 1, block 0: amax 1: X = 2^(0-4) = 1/16; V/X = 16, -16, 8, 4, all exact -> 1, -1, 0.5, 0.25.
    // Row 1, block 1: 29: floor(log2 29) = 4, X = 1, 29 -> 28 (spacing 4 in [16, 32); 29 is nearer
    //   28 than 32) -> 28.
    const x = tf.tensor2d([
      [100, 4, -2, 1.2, 7],
      [1, -1, 0.5, 0.25, 29],
    ]);
    const b = formats.mx.encode(x, "fp6_e3m2", { blockSize: 4 });
    expect(b.scales.shape).toEqual([2, 2]);
    expect(arr(b.scales)).toEqual([4, 0.25, 1 / 16, 1]);
    expect(b.values.shape).toEqual([2, 5]);
    expect(arr(b.values)).toEqual([96, 4, -2, 1.25, 7, 1, -1, 0.5, 0.25, 28]);
    tf.dispose([x, b.values, b.elements, b.scales, b.scaleExponents]);
  });

  it("clamps the scale to E8M0's range, and zero blocks get the smallest scale", () => {
    // Tiny block: amax = 2^-140, floor(log2) - 8 = -148, below -127: X = 2^-127. V/X = 2^-13, under
    // half of e4m3's smallest subnormal (2^-9), so the block decodes to zeros.
    // Zero block: scale 2^-127 (microxcaling's convention), values 0.
    // Huge block: amax = 3e38, floor(log2) = 127, 127 - 8 = 119: X = 2^119; 3e38 / 2^119 = 451.4,
    // which rounds to 448 (spacing 32 in [256, 512)) -> 448 * 2^119 = 2.979e38.
    const x = tf.tensor2d([
      [2 ** -140, -(2 ** -141)],
      [0, 0],
      [3e38, 1],
    ]);
    const b = formats.mx.encode(x, "e4m3", { blockSize: 2 });
    expect(arr(b.scaleExponents)).toEqual([-127, -127, 119]);
    expect(arr(b.scales)).toEqual([2 ** -127, 2 ** -127, 2 ** 119]);
    const v = arr(b.values);
    expect(v.slice(0, 4)).toEqual([0, -0, 0, 0]);
    expect(v[4]).toBe(448 * 2 ** 119);
    expect(v[5]).toBe(0); // 1 / 2^119 is far below e4m3's range
    tf.dispose([x, b.values, b.elements, b.scales, b.scaleExponents]);
  });

  it("a NaN or inf makes its block NaN and leaves the others alone", () => {
    const x = tf.tensor1d([1, NaN, 2, 3, Infinity, 4, 1, 2]);
    const b = formats.mx.encode(x, "mxfp8_e5m2", { blockSize: 2 });
    const s = arr(b.scales);
    expect(s[0]).toBeNaN();
    expect(s[2]).toBeNaN();
    // Block 2 (2, 3): floor(log2 3) = 1, 1 - 15 = -14, X = 2^-14; 2 and 3 are exact in e5m2.
    expect([s[1], s[3]]).toEqual([2 ** -14, 2 ** -14]);
    const v = arr(b.values);
    expect(v.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(v.slice(4, 6).every(Number.isNaN)).toBe(true);
    expect([v[2], v[3], v[6], v[7]]).toEqual([2, 3, 1, 2]);
    tf.dispose([x, b.values, b.elements, b.scales, b.scaleExponents]);
  });

  it("mxQuantize returns the decoded tensor with a straight-through gradient and no leaks", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([0.5, 1, 3, 1000, ...new Array(28).fill(0)]);
    const y = formats.mxQuantize(x, "mxfp8_e4m3");
    expect(arr(y).slice(0, 4)).toEqual([0.5, 1, 3, 896]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(formats.mxQuantize(t, "mxfp4", { blockSize: 8 }), 3)))(x);
    expect(arr(g)).toEqual(new Array(32).fill(3));
    tf.dispose([x, y, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad block sizes and unknown element formats", () => {
    const x = tf.tensor1d([1]);
    expect(() => formats.mxQuantize(x, "mxfp4", { blockSize: 0 })).toThrow(/blockSize must be a positive integer/);
    expect(() => formats.mxQuantize(x, "mxfp5")).toThrow(/Unknown float format "mxfp5"/);
    x.dispose();
  });
});
