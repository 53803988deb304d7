// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from the IDX files Debian's dataset-fashion-mnist
// installs, so notebooks have real images without downloading anything at run time.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "../tf.js";
import { readIdx } from "./idx.js";
import { TensorDataset } from "./tensor-dataset.js";

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Label names, index = label; folder-safe spellings of the dataset's own names. */
export const FASHION_MNIST_CLASSES = Object.freeze([
  "t-shirt_top",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "ankle_boot",
]);

export type Split = "train" | "test";

export interface FashionMnistOptions {
  split?: Split;
  /** Folder with the four IDX files (gzipped or not); Debian's by default. */
  dir?: string;
  /** Keep only the first `limit` samples. */
  limit?: number;
}

export interface FashionMnistRaw {
  /** N x 28 x 28 uint8 pixels, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

const PREFIX: Record<Split, string> = { train: "train", test: "t10k" };

function findFile(dir: string, base: string): string | null {
  for (const name of [`${base}.gz`, base]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** The raw bytes, without tensors (writeImageFolder uses this). */
export function readFashionMnist(options: FashionMnistOptions = {}): FashionMnistRaw {
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") throw new Error(`split must be "train" or "test", got ${JSON.stringify(split)}`);
  const dir = options.dir ?? FASHION_MNIST_DIR;
  const imagesBase = `${PREFIX[split]}-images-idx3-ubyte`;
  const labelsBase = `${PREFIX[split]}-labels-idx1-ubyte`;
  const imagesPath = findFile(dir, imagesBase);
  const labelsPath = findFile(dir, labelsBase);
  if (!imagesPath || !labelsPath) {
    const hint =
      options.dir === undefined
        ? "Install Debian's package: `sudo apt-get install dataset-fashion-mnist` (or pass { dir } pointing at a folder with the IDX files)."
        : `Pass { dir } pointing at a folder with the IDX files, or omit it to use Debian's (\`sudo apt-get install dataset-fashion-mnist\` installs them in ${FASHION_MNIST_DIR}).`;
    throw new Error(
      `Fashion-MNIST ${split} files not found in ${dir} (looked for ${!imagesPath ? imagesBase : labelsBase}[.gz]). ${hint}`,
    );
  }
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  const images = readIdx(imagesPath, limit === undefined ? {} : { limit });
  const labels = readIdx(labelsPath, limit === undefined ? {} : { limit });
  if (images.type !== "ubyte" || images.shape.length !== 3 || labels.type !== "ubyte" || labels.shape.length !== 1) {
    throw new Error(`${imagesPath} / ${labelsPath} do not look like Fashion-MNIST (ubyte images N x 28 x 28, ubyte labels N)`);
  }
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(`${imagesPath} holds ${images.shape[0]} images but ${labelsPath} ${labels.shape[0]} labels`);
  }
  return {
    images: images.data as Uint8Array,
    labels: labels.data as Uint8Array,
    count: images.shape[0]!,
    rows: images.shape[1]!,
    cols: images.shape[2]!,
  };
}

/**
 * Fashion-MNIST as tensors: x [N, 28, 28, 1] float32 in [0, 1] (NHWC, like ToTensor), y [N] int32.
 * Synchronous; `await` works on it too.
 */
export function fashionMnist(options: FashionMnistOptions = {}): TensorDataset {
  const raw = readFashionMnist(options);
  const x = new Float32Array(raw.images.length);
  for (let i = 0; i < x.length; i++) x[i] = raw.images[i]! / 255;
  return new TensorDataset(
    tf.tensor4d(x, [raw.count, raw.rows, raw.cols, 1], "float32"),
    tf.tensor1d(Int32Array.from(raw.labels), "int32"),
    FASHION_MNIST_CLASSES,
  );
}
