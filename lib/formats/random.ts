// Counter-based uniform draws for stochastic rounding: the draw for element i is a pure function of
// (seed, i), so a seeded quantize is reproducible on every backend and in any evaluation order, and
// the composite fallback can produce the very same draws as the kernels.

/** A 32-bit integer mixer with good avalanche (Chris Wellons' lowbias32). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Two 32-bit key words derived from a seed (any integer up to 2^53, or any finite number). */
export function seedKeys(seed: number): [number, number] {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return [mix32(lo ^ 0x9e3779b9), mix32(hi ^ mix32(lo + 0x7f4a7c15))];
}

/**
 * The 32-bit draw for element `i`: one keyed round of the mixer over the counter. The counter is
 * offset by k0 and then scrambled by k1 before mixing, so two seeds give two different bijections
 * of the element index, not shifted copies of one sequence (which i + k0 alone would give).
 */
export function draw32(k0: number, k1: number, i: number): number {
  return mix32(((i + k0) ^ k1) >>> 0);
}

/** 2^-32: draw32 / 2^32 is a uniform double in [0, 1) with 32 random bits. */
export const INV_2_32 = 1 / 4294967296;

/** A fresh seed when the caller gave none (stochastic rounding is then not reproducible). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 52);
}
