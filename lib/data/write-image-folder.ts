// Writes an ImageNet-style folder (root/<class>/<file>.png) from Fashion-MNIST, so the image
// pipeline (imageFolder -> transforms -> loader) has real images to read without any download.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { FASHION_MNIST_CLASSES, readFashionMnist, type Split } from "./fashion-mnist.js";

export interface WriteImageFolderOptions {
  source: "fashion-mnist";
  split?: Split;
  /** Images per class (the first ones of the split, in file order). */
  perClass: number;
  /** Side length of the written images (28 = the originals; larger ones are upscaled, Lanczos). */
  size?: number;
  format?: "png" | "jpeg";
  /** JPEG quality. Default 90. */
  quality?: number;
  /** 1: grayscale files (as the data is); 3: RGB files. Default 1. */
  channels?: 1 | 3;
  /** Where the IDX files are (Debian's folder by default). */
  dataDir?: string;
}

export interface WrittenImageFolder {
  root: string;
  classes: readonly string[];
  /** Images written per class. */
  counts: number[];
  files: number;
}

export async function writeImageFolder(dir: string, options: WriteImageFolderOptions): Promise<WrittenImageFolder> {
  if (options.source !== "fashion-mnist") throw new Error(`writeImageFolder: unknown source ${JSON.stringify(options.source)} (supported: "fashion-mnist")`);
  const split = options.split ?? "train";
  const perClass = options.perClass;
  if (!Number.isInteger(perClass) || perClass < 1) throw new RangeError(`perClass must be a positive integer, got ${perClass}`);
  const size = options.size ?? 28;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  const format = options.format ?? "png";
  const channels = options.channels ?? 1;
  const raw = readFashionMnist({ split, ...(options.dataDir ? { dir: options.dataDir } : {}) });
  const sharp = (await import("sharp")).default;

  // The first perClass images of each class.
  const picked: number[][] = FASHION_MNIST_CLASSES.map(() => []);
  for (let i = 0; i < raw.count; i++) {
    const list = picked[raw.labels[i]!]!;
    if (list.length < perClass) list.push(i);
  }
  const short = picked.findIndex((l) => l.length < perClass);
  if (short >= 0) {
    throw new RangeError(`Fashion-MNIST ${split} has only ${picked[short]!.length} images of class ${FASHION_MNIST_CLASSES[short]} (perClass: ${perClass})`);
  }

  const root = resolve(dir);
  const ext = format === "png" ? "png" : "jpg";
  const digits = String(raw.count - 1).length;
  const tasks: Array<() => Promise<unknown>> = [];
  FASHION_MNIST_CLASSES.forEach((name, c) => {
    const folder = join(root, name);
    mkdirSync(folder, { recursive: true });
    for (const i of picked[c]!) {
      const pixels = raw.images.subarray(i * raw.rows * raw.cols, (i + 1) * raw.rows * raw.cols);
      const file = join(folder, `${split}_${String(i).padStart(digits, "0")}.${ext}`);
      tasks.push(() => {
        let p = sharp(Buffer.from(pixels), { raw: { width: raw.cols, height: raw.rows, channels: 1 } });
        if (size !== raw.cols || size !== raw.rows) p = p.resize(size, size, { fit: "fill", kernel: "lanczos3" });
        p = channels === 1 ? p.toColourspace("b-w") : p.toColourspace("srgb");
        p = format === "png" ? p.png() : p.jpeg({ quality: options.quality ?? 90 });
        return p.toFile(file);
      });
    }
  });
  // A few at a time: sharp queues on libuv's thread pool anyway.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
  return { root, classes: FASHION_MNIST_CLASSES, counts: picked.map((l) => l.length), files: tasks.length };
}
