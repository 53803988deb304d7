// Seeded randomness for the data pipeline. Every sample draws from its own generator, derived
// from (seed, epoch, index), so an augmentation depends only on those three numbers: the same run
// reproduces bit for bit, and worker threads agree with the main thread whatever order they
// process samples in. Shuffles draw from a separate stream keyed by (seed, epoch).

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Splits an integer seed (up to 2^53 in magnitude) into two 32-bit words. */
function words(n: number): [number, number] {
  if (!Number.isFinite(n)) throw new RangeError(`seed must be a finite integer, got ${n}`);
  const i = Math.trunc(n);
  return [i >>> 0, Math.floor(i / 4294967296) >>> 0];
}

/** Hashes a tuple of integers into four 32-bit words (the state of one sfc32 generator). */
export function hashKey(parts: readonly number[]): [number, number, number, number] {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = 0x85a308d3;
  for (const p of parts) {
    const [lo, hi] = words(p);
    a = fmix32(a ^ lo);
    b = fmix32((b + hi) ^ a);
    c = fmix32(c ^ Math.imul(lo, 0x27d4eb2d) ^ b);
    d = fmix32((d + c) ^ hi ^ 0x165667b1);
  }
  return [a, b, c, d];
}

/** A small fast PRNG (Chris Doty-Humphrey's sfc32), good enough for augmentation and shuffles. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(state: readonly [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = state;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The generator for key parts (e.g. seed, epoch, index). */
  static of(...parts: number[]): Rng {
    return new Rng(hashKey(parts));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Uniform integer in [lo, hi) (torch.randint's bounds). */
  int(lo: number, hi: number): number {
    if (!(hi > lo)) throw new RangeError(`empty range [${lo}, ${hi})`);
    return lo + Math.floor(this.random() * (hi - lo));
  }
}

/** Stream tags keep per-sample and shuffle generators apart even for equal key numbers. */
const SAMPLE_STREAM = 0x5a4d504c; // "SMPL"
const SHUFFLE_STREAM = 0x5348464c; // "SHFL"

/** The generator a sample's transforms draw from. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return Rng.of(SAMPLE_STREAM, seed, epoch, index);
}

/** A permutation of 0..n-1 for this (seed, epoch): Fisher-Yates on the shuffle stream. */
export function permutation(n: number, seed: number, epoch: number): Int32Array {
  const rng = Rng.of(SHUFFLE_STREAM, seed, epoch);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
