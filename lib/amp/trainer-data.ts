// Where fit's batches come from: { x, y } tensors (batched and, by default, shuffled with a seed
// per epoch, so two runs see the same order), a tf.data Dataset of { xs, ys } (anything with
// iterator()), an async iterable, or any iterable of batches ({ xs, ys }, { x, y } or [x, y]).
import * as tf from "../tf.js";

export type Batch = { xs: tf.Tensor; ys: tf.Tensor } | { x: tf.Tensor; y: tf.Tensor } | readonly [tf.Tensor, tf.Tensor];

export interface TensorData {
  x: tf.Tensor;
  y: tf.Tensor;
}

interface DatasetLike {
  iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }>;
}

type BatchIterable = AsyncIterable<Batch> | Iterable<Batch>;

/** A function is called once per epoch for a fresh iterable (generators run out after one pass). */
export type DataLike = TensorData | DatasetLike | BatchIterable | (() => BatchIterable | DatasetLike);

export interface SourceBatch {
  x: tf.Tensor;
  y: tf.Tensor;
  /** True when the batch was made here (or handed over by a dataset) and fit disposes it. */
  owned: boolean;
}

export interface EpochSource {
  next(): Promise<SourceBatch | null>;
  /** Batches per epoch when known. */
  readonly batches: number | null;
  close(): void;
}

export interface SourceOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  epoch: number;
}

export function isTensorData(d: unknown): d is TensorData {
  return typeof d === "object" && d !== null && (d as TensorData).x instanceof tf.Tensor && (d as TensorData).y instanceof tf.Tensor;
}

export function toBatch(b: unknown, where: string): { x: tf.Tensor; y: tf.Tensor } {
  if (Array.isArray(b) && b.length === 2 && b[0] instanceof tf.Tensor && b[1] instanceof tf.Tensor) return { x: b[0], y: b[1] };
  if (typeof b === "object" && b !== null) {
    const o = b as Record<string, unknown>;
    if (o["xs"] instanceof tf.Tensor && o["ys"] instanceof tf.Tensor) return { x: o["xs"], y: o["ys"] };
    if (o["x"] instanceof tf.Tensor && o["y"] instanceof tf.Tensor) return { x: o["x"], y: o["y"] };
  }
  throw new TypeError(`${where}: a batch is { xs, ys }, { x, y } or [x, y] of tensors`);
}

/** A small seeded generator (mulberry32): the same seed gives the same permutation everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function permutation(n: number, seed: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

export function epochSource(data: DataLike, opts: SourceOptions): EpochSource {
  if (typeof data === "function") return epochSource(data(), opts);
  if (isTensorData(data)) return tensorSource(data, opts);
  if (typeof (data as DatasetLike).iterator === "function") return datasetSource(data as DatasetLike);
  if (typeof (data as AsyncIterable<Batch>)[Symbol.asyncIterator] === "function") {
    return iteratorSource((data as AsyncIterable<Batch>)[Symbol.asyncIterator](), true);
  }
  if (typeof (data as Iterable<Batch>)[Symbol.iterator] === "function") {
    // Arrays (and other re-iterable collections) belong to the caller: fit reads, never disposes.
    return iteratorSource((data as Iterable<Batch>)[Symbol.iterator](), !Array.isArray(data));
  }
  throw new TypeError("fit: data is { x, y } tensors, a tf.data Dataset of { xs, ys }, an async iterable or an iterable of batches");
}

function tensorSource(data: TensorData, opts: SourceOptions): EpochSource {
  const n = data.x.shape[0] ?? 0;
  if ((data.y.shape[0] ?? 0) !== n) throw new Error(`fit: x has ${n} samples but y has ${data.y.shape[0]}`);
  const order = opts.shuffle ? permutation(n, (opts.seed + opts.epoch * 0x9e3779b1) >>> 0) : null;
  let at = 0;
  return {
    batches: Math.ceil(n / opts.batchSize),
    next: async () => {
      if (at >= n) return null;
      const end = Math.min(n, at + opts.batchSize);
      const start = at;
      at = end;
      if (order === null) {
        return { x: tf.slice(data.x, start, end - start), y: tf.slice(data.y, start, end - start), owned: true };
      }
      return tf.tidy(() => {
        const idx = tf.tensor1d(order.subarray(start, end), "int32");
        return { x: tf.gather(data.x, idx), y: tf.gather(data.y, idx), owned: true };
      });
    },
    close: () => {},
  };
}

function datasetSource(ds: DatasetLike): EpochSource {
  let it: { next(): Promise<IteratorResult<unknown>> } | null = null;
  return {
    batches: null,
    next: async () => {
      it ??= await ds.iterator();
      const r = await it.next();
      if (r.done) return null;
      // tf.data hands each batch over to its consumer (tfjs-layers' fitDataset disposes them).
      return { ...toBatch(r.value, "fit"), owned: true };
    },
    close: () => {},
  };
}

function iteratorSource(it: Iterator<Batch> | AsyncIterator<Batch>, owned: boolean): EpochSource {
  return {
    batches: null,
    next: async () => {
      const r = await it.next();
      if (r.done) return null;
      return { ...toBatch(r.value, "fit"), owned };
    },
    close: () => {
      void it.return?.();
    },
  };
}
