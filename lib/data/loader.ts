// The loader: batches of { xs, ys } tensors from a dataset, shuffled with a seed per epoch,
// prefetched ahead of the consumer. Image folders are decoded and transformed in worker threads
// (they get file paths and seeds, and return Float32Array buffers by transfer); in-memory tensor
// datasets are sliced on the main thread; other datasets are read through their get(). Tensors
// are made on the main thread only, when a batch is handed out, so nothing is left to dispose
// when an iteration ends early.
import * as tf from "../tf.js";
import type { Dataset } from "./dataset.js";
import { ImageFolder } from "./image-folder.js";
import { loadBatch, toFloat, type BatchContext, type BatchJob, type BatchResult, type SkippedImage } from "./pipeline.js";
import { permutation } from "./rng.js";
import { isTensorPair, TensorDataset, type TensorPair } from "./tensor-dataset.js";
import { WorkerPool } from "./worker-pool.js";
import type { FloatImage } from "./image.js";

export interface LoaderOptions {
  /** Samples per batch. Default 32. */
  batchSize?: number;
  /** Reshuffle every epoch (the order is a function of seed and epoch). Default false. */
  shuffle?: boolean;
  /** Keys the shuffles and the per-sample augmentation. Default 0. */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Worker threads for image folders; 0 decodes on the main thread. Default 2. */
  workers?: number;
  /** Batches in flight per worker (on the main thread: batches ahead). Default 2. */
  prefetch?: number;
  /** Epochs one iteration (for await ... of loader) runs through. Default 1. */
  epochs?: number;
  /** ys as one-hot float32 [N, classes] instead of int32 labels [N]. Default false. */
  oneHot?: boolean;
  /** Keep worker threads between iterations (until close()). Default false: they end with each iteration. */
  persistentWorkers?: boolean;
}

export interface Batch {
  /** [N, H, W, C] float32 for images; x's sample shape for tensor datasets. */
  xs: tf.Tensor;
  /** [N] int32 labels, or [N, classes] float32 with oneHot. */
  ys: tf.Tensor;
  epoch: number;
  /** Batch number within the epoch. */
  index: number;
  /** Dataset indices of the samples, in batch order. */
  indices: Int32Array;
}

interface BatchMeta {
  epoch: number;
  index: number;
  indices: Int32Array;
  /** Last batch of its epoch. */
  last: boolean;
}

export type LoaderMode = "workers" | "main-thread" | "tensors";

type Source = { kind: "folder"; folder: ImageFolder } | { kind: "tensors"; x: tf.Tensor; y: tf.Tensor; classes: number } | { kind: "dataset"; dataset: Dataset };

function labelCount(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) n = Math.max(n, values[i]! + 1);
  return n;
}

function positiveInt(v: number, name: string, allowZero = false): number {
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) throw new RangeError(`${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${v}`);
  return v;
}

export class Loader implements AsyncIterable<Batch> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly workers: number;
  readonly prefetch: number;
  readonly epochs: number;
  readonly oneHot: boolean;
  readonly persistentWorkers: boolean;
  /** How batches are produced. */
  readonly mode: LoaderMode;
  /** Unreadable images skipped so far (onError: "skip"). */
  readonly skipped: SkippedImage[] = [];
  /** The epoch the next iteration starts at. */
  epoch = 0;

  private readonly source: Source;
  private readonly pools = new Set<WorkerPool>();
  private persistentPool: WorkerPool | null = null;

  constructor(
    readonly dataset: Dataset | TensorPair,
    options: LoaderOptions = {},
  ) {
    this.batchSize = positiveInt(options.batchSize ?? 32, "batchSize");
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
    this.workers = positiveInt(options.workers ?? 2, "workers", true);
    this.prefetch = positiveInt(options.prefetch ?? 2, "prefetch");
    this.epochs = options.epochs ?? 1;
    if (!(this.epochs >= 1) || (!Number.isInteger(this.epochs) && this.epochs !== Infinity)) {
      throw new RangeError(`epochs must be a positive integer (or Infinity), got ${this.epochs}`);
    }
    this.oneHot = options.oneHot ?? false;
    this.persistentWorkers = options.persistentWorkers ?? false;

    if (dataset instanceof TensorDataset || isTensorPair(dataset)) {
      const { x, y } = dataset;
      if (x.shape[0] !== y.shape[0]) throw new Error(`x and y hold different numbers of samples (${x.shape[0]} and ${y.shape[0]})`);
      const classes = dataset.classes?.length ?? (y.rank === 2 ? y.shape[1]! : labelCount(y.dataSync()));
      this.source = { kind: "tensors", x, y, classes };
      this.mode = "tensors";
    } else if (dataset instanceof ImageFolder) {
      this.source = { kind: "folder", folder: dataset };
      this.mode = this.workers > 0 && dataset.transform.serializable ? "workers" : "main-thread";
      if (this.workers > 0 && !dataset.transform.serializable) {
        console.warn("data.loader: the transform has a custom (function) step, which cannot run in a worker thread; decoding on the main thread");
      }
    } else if (typeof (dataset as Dataset).get === "function" && Number.isInteger((dataset as Dataset).length)) {
      this.source = { kind: "dataset", dataset: dataset as Dataset };
      this.mode = "main-thread";
    } else {
      throw new TypeError("loader: expected a dataset (data.imageFolder, data.fashionMnist, data.synthetic, { x, y } tensors, or { length, get(i) })");
    }
  }

  /** Samples in one epoch. */
  get size(): number {
    return this.source.kind === "tensors" ? this.source.x.shape[0]! : this.source.kind === "folder" ? this.source.folder.length : this.source.dataset.length;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  private get classCount(): number {
    const s = this.source;
    if (s.kind === "tensors") return s.classes;
    if (s.kind === "folder") return s.folder.classes.length;
    return s.dataset.classes?.length ?? 0;
  }

  /** The dataset indices of each batch of an epoch, in order. */
  order(epoch: number): Int32Array[] {
    const n = this.size;
    const perm = this.shuffle ? permutation(n, this.seed, epoch) : Int32Array.from({ length: n }, (_, i) => i);
    const out: Int32Array[] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(n, start + this.batchSize);
      if (this.dropLast && end - start < this.batchSize) break;
      out.push(perm.subarray(start, end));
    }
    return out;
  }

  private *metas(first: number, count: number): Generator<BatchMeta> {
    for (let e = first; e < first + count; e++) {
      const batches = this.order(e);
      for (let b = 0; b < batches.length; b++) yield { epoch: e, index: b, indices: batches[b]!, last: b === batches.length - 1 };
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Batch> {
    return this.iterate();
  }

  /**
   * Iterates `epochs` epochs from `epoch` (default: where the last iteration ended). Breaking out
   * of the loop, an error, or the end shut the workers down (unless persistentWorkers).
   */
  async *iterate(options: { epoch?: number; epochs?: number } = {}): AsyncGenerator<Batch> {
    const first = options.epoch ?? this.epoch;
    const count = options.epochs ?? this.epochs;
    this.epoch = first + count;
    if (this.source.kind === "tensors") {
      for (const meta of this.metas(first, count)) yield this.sliceTensors(meta);
      return;
    }

    let pool: WorkerPool | null = null;
    let run: (meta: BatchMeta) => Promise<BatchResult>;
    if (this.mode === "workers") {
      pool = await this.openPool();
      const p = pool;
      run = (meta) => p.run(this.job(meta));
    } else if (this.source.kind === "folder") {
      const ctx = this.context(this.source.folder);
      run = (meta) => loadBatch(this.job(meta), ctx);
    } else {
      const dataset = this.source.dataset;
      run = (meta) => this.fromDataset(dataset, meta);
    }
    const capacity = this.mode === "workers" ? this.workers * this.prefetch : this.prefetch;
    const metas = this.metas(first, count);
    const inflight: Array<{ meta: BatchMeta; result: Promise<BatchResult> }> = [];
    const fill = () => {
      while (inflight.length < capacity) {
        const next = metas.next();
        if (next.done) return;
        const result = run(next.value);
        result.catch(() => {}); // awaited in order below; an abandoned one must not be "unhandled"
        inflight.push({ meta: next.value, result });
      }
    };
    let epochSkipped: SkippedImage[] = [];
    try {
      fill();
      while (inflight.length > 0) {
        const { meta, result } = inflight.shift()!;
        fill();
        const r = await result;
        if (r.skipped.length) {
          epochSkipped.push(...r.skipped);
          this.skipped.push(...r.skipped);
        }
        if (r.shape[0] > 0) yield this.toBatch(r, meta);
        if (meta.last) {
          if (epochSkipped.length) this.warnSkipped(meta.epoch, epochSkipped);
          epochSkipped = [];
        }
      }
    } finally {
      if (pool && pool !== this.persistentPool) {
        this.pools.delete(pool);
        await pool.close();
      }
    }
  }

  private job(meta: BatchMeta): BatchJob {
    const folder = (this.source as { folder: ImageFolder }).folder;
    const items = Array.from(meta.indices, (index) => {
      const [path, label] = folder.samples[index]!;
      return { path, label, index };
    });
    return { items, seed: this.seed, epoch: meta.epoch };
  }

  private context(folder: ImageFolder): BatchContext {
    return { steps: folder.transform.transforms, channels: folder.channels, engine: folder.engine, onError: folder.onError, parallel: 4 };
  }

  private async openPool(): Promise<WorkerPool> {
    if (this.persistentPool) return this.persistentPool;
    const folder = (this.source as { folder: ImageFolder }).folder;
    const pool = await WorkerPool.start(this.workers, {
      specs: folder.transform.specs(),
      channels: folder.channels,
      engine: folder.engine,
      onError: folder.onError,
      parallel: 2,
    });
    if (this.persistentWorkers) this.persistentPool = pool;
    else this.pools.add(pool);
    return pool;
  }

  private warnSkipped(epoch: number, skipped: SkippedImage[]): void {
    const shown = skipped
      .slice(0, 5)
      .map((s) => `  ${s.path}: ${s.reason}`)
      .join("\n");
    const more = skipped.length > 5 ? `\n  ... and ${skipped.length - 5} more (loader.skipped lists them all)` : "";
    console.warn(
      `data.loader: skipped ${skipped.length} unreadable image${skipped.length > 1 ? "s" : ""} in epoch ${epoch} (onError: "skip"; "fail" stops at the first):\n${shown}${more}`,
    );
  }

  /** Samples from a dataset's own get(), stacked like a worker's batch. */
  private async fromDataset(dataset: Dataset, meta: BatchMeta): Promise<BatchResult> {
    const samples = await Promise.all(Array.from(meta.indices, (i) => dataset.get(i, { seed: this.seed, epoch: meta.epoch })));
    const images: FloatImage[] = [];
    for (const s of samples) {
      const img = s.image as unknown;
      if (img instanceof tf.Tensor) {
        const [h, w, c] = img.rank === 3 ? img.shape : img.rank === 2 ? [img.shape[0]!, img.shape[1]!, 1] : [1, img.size, 1];
        const data = Float32Array.from(await img.data());
        img.dispose();
        images.push({ kind: "float", data, width: w!, height: h!, channels: c! });
      } else {
        const im = s.image;
        images.push(im.kind === "float" ? im : toFloat(im, im.channels, []));
      }
    }
    const first = images[0]!;
    const size = first.data.length;
    const data = new Float32Array(images.length * size);
    images.forEach((im, k) => {
      if (im.data.length !== size || im.width !== first.width || im.height !== first.height) {
        throw new Error(`samples in a batch differ in shape (${first.height}x${first.width}x${first.channels} and ${im.height}x${im.width}x${im.channels})`);
      }
      data.set(im.data, k * size);
    });
    return {
      data,
      shape: [images.length, first.height, first.width, first.channels],
      labels: Int32Array.from(samples, (s) => s.label),
      indices: Int32Array.from(meta.indices),
      skipped: [],
    };
  }

  private labels(labels: Int32Array): tf.Tensor {
    if (!this.oneHot) return tf.tensor1d(labels, "int32");
    const c = this.classCount;
    const out = new Float32Array(labels.length * c);
    labels.forEach((l, i) => {
      if (l < 0 || l >= c) throw new RangeError(`label ${l} is outside 0..${c - 1}`);
      out[i * c + l] = 1;
    });
    return tf.tensor2d(out, [labels.length, c], "float32");
  }

  private toBatch(r: BatchResult, meta: BatchMeta): Batch {
    const xs = tf.tensor4d(r.data, r.shape, "float32");
    const ys = this.labels(r.labels);
    return { xs, ys, epoch: meta.epoch, index: meta.index, indices: r.indices };
  }

  private sliceTensors(meta: BatchMeta): Batch {
    const { x, y, classes } = this.source as Extract<Source, { kind: "tensors" }>;
    const idx = meta.indices;
    const contiguous = idx.every((v, i) => v === idx[0]! + i);
    const [xs, ys] = tf.tidy(() => {
      let bx: tf.Tensor;
      let by: tf.Tensor;
      if (contiguous) {
        bx = x.slice(idx[0]!, idx.length);
        by = y.slice(idx[0]!, idx.length);
      } else {
        const t = tf.tensor1d(idx, "int32");
        bx = tf.gather(x, t);
        by = tf.gather(y, t);
      }
      if (this.oneHot && by.rank === 1) by = tf.oneHot(by.asType("int32") as tf.Tensor1D, classes, 1, 0, "float32");
      return [bx, by];
    });
    return { xs: xs!, ys: ys!, epoch: meta.epoch, index: meta.index, indices: Int32Array.from(idx) };
  }

  /** Terminates worker threads (also those of an iteration still running). */
  async close(): Promise<void> {
    const pools = [...this.pools];
    if (this.persistentPool) pools.push(this.persistentPool);
    this.pools.clear();
    this.persistentPool = null;
    await Promise.all(pools.map((p) => p.close()));
  }

  dispose(): Promise<void> {
    return this.close();
  }

  toString(): string {
    return `Loader(${this.size} samples, ${this.length} batches of ${this.batchSize}${this.dropLast ? " (drop last)" : ""}, shuffle=${this.shuffle}, seed=${this.seed}, mode=${this.mode}${this.mode === "workers" ? ` x${this.workers}` : ""}, prefetch=${this.prefetch})`;
  }
}

export function loader(dataset: Dataset | TensorPair, options: LoaderOptions = {}): Loader {
  return new Loader(dataset, options);
}
