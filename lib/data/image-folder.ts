// torchvision's ImageFolder: root/<class>/**/<image>, one subfolder per class (ImageNet's synset
// layout, e.g. train/n01440764/n01440764_10026.JPEG). Classes are the subfolder names sorted by
// code point as Python's sorted() does, so class indices match torchvision's on the same folder;
// files are listed as torchvision's make_dataset does (os.walk order, sorted). Hidden entries
// (a leading ".", e.g. Jupyter's .ipynb_checkpoints or macOS's ._ files) are ignored; torchvision
// would count .ipynb_checkpoints as a class.
import { readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { join, resolve } from "node:path";
import { checkIndex, type Dataset, type Sample, type SampleOptions } from "./dataset.js";
import type { Image } from "./image.js";
import { ImageReadError, loadSample, type Engine } from "./pipeline.js";
import { toCompose, type Compose, type TransformLike } from "./transforms.js";

export const DEFAULT_EXTENSIONS = Object.freeze([".jpg", ".jpeg", ".png"]);

export interface ImageFolderOptions {
  /** A transform, a list (composed in order), or data.transforms.compose([...]). */
  transform?: TransformLike | readonly TransformLike[];
  /** Use these classes, in this order (index = position); each must be a subfolder. Default: all, sorted. */
  classes?: readonly string[];
  /** An unreadable image during iteration: "skip" it (counted, reported at the end of the epoch) or "fail". */
  onError?: "skip" | "fail";
  /** File extensions to load, case-insensitive. Default .jpg, .jpeg, .png. */
  extensions?: readonly string[];
  /** 3: RGB (torchvision's default loader converts to RGB); 1: grayscale (Pillow's "L"). */
  channels?: 1 | 3;
  /** How geometry runs: see pipeline.ts. Default "auto". */
  engine?: Engine;
  /** Accept class folders without images (they keep their index). Default false: an error. */
  allowEmpty?: boolean;
}

/** Compares by Unicode code point, as Python's sorted() orders str. */
export function codePointCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function layoutHint(root: string): string {
  return (
    `expected an ImageNet-style image folder, one subfolder per class:\n` +
    `  ${root}/<class>/<image>.jpg|.jpeg|.png   (e.g. ${root}/n01440764/n01440764_10026.JPEG)\n` +
    `data.writeImageFolder(dir, { source: "fashion-mnist", perClass: 100 }) makes one from Fashion-MNIST.`
  );
}

function isDir(path: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // dangling link
  }
}

/** Files under `dir` (recursively, following links), in torchvision's make_dataset order. */
function listImages(dir: string, extensions: readonly string[]): string[] {
  const dirs: string[] = [];
  const seen = new Set<string>();
  const walk = (d: string) => {
    const real = realpathSync(d);
    if (seen.has(real)) return; // a link cycle
    seen.add(real);
    dirs.push(d);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (isDir(p, e)) walk(p);
    }
  };
  walk(dir);
  dirs.sort(codePointCompare);
  const files: string[] = [];
  for (const d of dirs) {
    const names = readdirSync(d, { withFileTypes: true })
      .filter((e) => !e.name.startsWith(".") && !isDir(join(d, e.name), e))
      .map((e) => e.name)
      .filter((name) => extensions.some((ext) => name.toLowerCase().endsWith(ext)))
      .sort(codePointCompare);
    for (const name of names) files.push(join(d, name));
  }
  return files;
}

export class ImageFolder implements Dataset {
  readonly root: string;
  readonly classes: readonly string[];
  /** Class name -> index (torchvision's class_to_idx). */
  readonly classToIndex: Readonly<Record<string, number>>;
  /** [path, class index] per sample, in order. */
  readonly samples: ReadonlyArray<readonly [string, number]>;
  /** The class index of every sample. */
  readonly targets: Int32Array;
  readonly transform: Compose;
  readonly onError: "skip" | "fail";
  readonly extensions: readonly string[];
  readonly channels: 1 | 3;
  readonly engine: Engine;

  constructor(dir: string, options: ImageFolderOptions = {}) {
    const root = resolve(dir);
    this.root = root;
    this.transform = toCompose(options.transform);
    this.onError = options.onError ?? "skip";
    if (this.onError !== "skip" && this.onError !== "fail") throw new Error(`onError must be "skip" or "fail", got ${JSON.stringify(this.onError)}`);
    this.channels = options.channels ?? 3;
    if (this.channels !== 1 && this.channels !== 3) throw new Error(`channels must be 1 or 3, got ${this.channels}`);
    this.engine = options.engine ?? "auto";
    this.extensions = Object.freeze((options.extensions ?? DEFAULT_EXTENSIONS).map((e) => (e.startsWith(".") ? e : `.${e}`).toLowerCase()));

    let stat;
    try {
      stat = statSync(root);
    } catch {
      throw new Error(`image folder not found: ${root}\n${layoutHint(root)}`);
    }
    if (!stat.isDirectory()) throw new Error(`not a folder: ${root}\n${layoutHint(root)}`);

    const subfolders = readdirSync(root, { withFileTypes: true })
      .filter((e) => !e.name.startsWith(".") && isDir(join(root, e.name), e))
      .map((e) => e.name)
      .sort(codePointCompare);
    let classes: string[];
    if (options.classes) {
      classes = [...options.classes];
      const missing = classes.filter((c) => !subfolders.includes(c));
      if (missing.length) throw new Error(`class folder(s) not found in ${root}: ${missing.join(", ")}\n${layoutHint(root)}`);
      if (new Set(classes).size !== classes.length) throw new Error(`classes lists a name twice: ${classes.join(", ")}`);
    } else {
      classes = subfolders;
    }
    if (classes.length === 0) throw new Error(`no class folders in ${root}\n${layoutHint(root)}`);

    const samples: Array<readonly [string, number]> = [];
    const empty: string[] = [];
    classes.forEach((name, index) => {
      const files = listImages(join(root, name), this.extensions);
      if (files.length === 0) empty.push(name);
      for (const f of files) samples.push([f, index] as const);
    });
    if (empty.length && !options.allowEmpty) {
      throw new Error(
        `class folder${empty.length > 1 ? "s" : ""} without images (${this.extensions.join(", ")}) in ${root}: ${empty.join(", ")}\n` +
          `Add images, remove the folder${empty.length > 1 ? "s" : ""}, pass { classes } to choose classes, or { allowEmpty: true }.`,
      );
    }
    this.classes = Object.freeze(classes);
    this.classToIndex = Object.freeze(Object.fromEntries(classes.map((c, i) => [c, i])));
    this.samples = Object.freeze(samples);
    this.targets = Int32Array.from(samples, (s) => s[1]);
  }

  get length(): number {
    return this.samples.length;
  }

  /** Images per class, index = class index. */
  counts(): number[] {
    const out = new Array<number>(this.classes.length).fill(0);
    for (const t of this.targets) out[t]!++;
    return out;
  }

  /**
   * Sample i, decoded and transformed on this thread, its randomness keyed by (seed, epoch, i).
   * An unreadable image throws an ImageReadError naming the file (onError applies to iteration).
   */
  async get(index: number, options: SampleOptions = {}): Promise<Sample<Image>> {
    checkIndex(index, this.length);
    const [path, label] = this.samples[index]!;
    const image = await loadSample({ path, label, index }, { seed: options.seed ?? 0, epoch: options.epoch ?? 0 }, {
      steps: this.transform.transforms,
      channels: this.channels,
      engine: this.engine,
      onError: "fail",
    });
    return { image, label };
  }

  toString(): string {
    return (
      `ImageFolder(${this.length} images, ${this.classes.length} classes, root=${this.root}, onError=${this.onError})\n` +
      `transform: ${this.transform.toString()}`
    );
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

export function imageFolder(dir: string, options: ImageFolderOptions = {}): ImageFolder {
  return new ImageFolder(dir, options);
}

export { ImageReadError };
