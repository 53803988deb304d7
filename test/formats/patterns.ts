// Float32 bit patterns that exercise a rounding kernel: random ones over every exponent, and the
// neighbourhoods where a format's rounding decides most. Shared by the kernel-against-reference tests.
import { formats, type Format } from "../../lib/formats/index.js";

/**
 * Named formats, and custom ones that reach the corners of the parameters (M = 0, M = 23, E = 1,
 * a bias that puts the smallest normal above 1, fnuz with a 23-bit mantissa, a top binade too high
 * for nearestEvenFloat), so every function of quantize.wat runs (quantize-wasm-simd.test.ts checks that).
 */
export const FORMATS: Format[] = [
  ...formats.list(),
  formats.custom({ exponentBits: 5, mantissaBits: 0, rule: "fin" }),
  formats.custom({ exponentBits: 1, mantissaBits: 0, bias: 0, rule: "fin" }),
  formats.custom({ exponentBits: 3, mantissaBits: 23, bias: 2, rule: "fnuz" }),
  formats.custom({ exponentBits: 8, mantissaBits: 23 }),
  formats.custom({ exponentBits: 2, mantissaBits: 22, bias: -20, rule: "fin" }),
  formats.custom({ exponentBits: 6, mantissaBits: 12, bias: 40, rule: "fn" }),
  formats.custom({ exponentBits: 4, mantissaBits: 5, bias: 3, rule: "ieee" }),
  formats.custom({ exponentBits: 7, mantissaBits: 10, bias: 0, rule: "fin" }),
  formats.custom({ exponentBits: 7, mantissaBits: 2, bias: 5, rule: "ieee" }),
  // float32's smallest normal with a past-max NaN; and with float32's precision, without -0 (the
  // only kind of format that takes the wasm kernel's nearestEvenInt).
  formats.custom({ exponentBits: 7, mantissaBits: 5, bias: 127, rule: "fn" }),
  formats.custom({ exponentBits: 7, mantissaBits: 23, bias: 127, rule: "fnuz" }),
];

/** Float32 patterns from a seeded generator: any exponent, both signs, NaN payloads, plus edges. */
export function patterns(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0;
    // Half the exponents uniform over 0..255, half near 127 (where most formats' grids are).
    const e = i & 1 ? (r >>> 8) % 256 : 100 + ((r >>> 8) % 48);
    out[i] = ((r & 0x80000000) | (e << 23) | (Math.imul(r, 0x9e3779b1) >>> 9)) >>> 0;
  }
  const edges = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 1, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff];
  out.set(edges.slice(0, Math.min(edges.length, n)));
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOfNumber = (v: number) => ((f32[0] = v), u32[0]!);

/**
 * Where rounding decides most for a format, both signs: around max (ties past it, the overflow
 * threshold), around the smallest normal, and the first multiples of half the smallest subnormal
 * (ties below the grid, and values below half of it), each +-0..2 float32 ulps.
 */
export function boundaries(f: Format): Uint32Array {
  const s0 = 23 - f.mantissaBits;
  const halfUlps = s0 > 0 ? 2 ** (s0 - 1) : 1;
  const centres: number[] = [];
  for (let j = -2; j <= 4; j++) {
    centres.push(bitsOfNumber(f.max) + j * halfUlps, bitsOfNumber(f.minNormal) + j * halfUlps);
  }
  for (let k = 0; k <= 8; k++) centres.push(bitsOfNumber((k * f.minSubnormal) / 2));
  centres.push(bitsOfNumber(f.minSubnormal / 4), bitsOfNumber(f.minSubnormal / 3), 0x7f800000, 0x7f7fffff);
  const out: number[] = [];
  for (const c of centres) {
    for (let d = -2; d <= 2; d++) {
      const b = c + d;
      if (b >= 0 && b <= 0x7f800000) out.push(b, (b | 0x80000000) >>> 0);
    }
  }
  return Uint32Array.from(out);
}

