// IDX parsing, Fashion-MNIST from Debian's files, synthetic data.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { FASHION_MNIST_DIR } from "../../lib/data/fashion-mnist.js";
import { data } from "../../lib/index.js";
import { tempDir } from "./helpers.js";

function idx(type: number, shape: number[], body: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  header.set([0, 0, type, shape.length]);
  const view = new DataView(header.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

describe("IDX", () => {
  it("reads ubyte arrays, plain or gzipped, with a limit on the first dimension", () => {
    const bytes = idx(0x08, [3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i));
    const a = data.parseIdx(bytes);
    expect(a).toMatchObject({ type: "ubyte", shape: [3, 2, 2] });
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const b = data.parseIdx(gzipSync(bytes), { limit: 2 });
    expect(b.shape).toEqual([2, 2, 2]);
    expect(Array.from(b.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("reads big-endian ints and floats", () => {
    const body = new Uint8Array(8);
    new DataView(body.buffer).setInt32(0, -5);
    new DataView(body.buffer).setInt32(4, 70000);
    expect(Array.from(data.parseIdx(idx(0x0c, [2], body)).data)).toEqual([-5, 70000]);
    const fbody = new Uint8Array(4);
    new DataView(fbody.buffer).setFloat32(0, 1.5);
    expect(Array.from(data.parseIdx(idx(0x0d, [1], fbody)).data)).toEqual([1.5]);
  });

  it("says what is wrong with a bad file", () => {
    expect(() => data.parseIdx(Uint8Array.from([1, 2, 3, 4]), { name: "x.idx" })).toThrow(/x\.idx is not an IDX file/);
    expect(() => data.parseIdx(idx(0x07, [1], new Uint8Array(1)))).toThrow(/unknown IDX element type 0x7/);
    expect(() => data.parseIdx(idx(0x08, [10], new Uint8Array(3)))).toThrow(/truncated/);
  });
});

describe.skipIf(!existsSync(FASHION_MNIST_DIR))("Fashion-MNIST (Debian's dataset-fashion-mnist)", () => {
  it("loads the test split as NHWC float32 in [0, 1] and int32 labels, with a limit", async () => {
    const before = tf.memory().numTensors;
    const ds = data.fashionMnist({ split: "test", limit: 100 });
    expect(ds.x.shape).toEqual([100, 28, 28, 1]);
    expect(ds.x.dtype).toBe("float32");
    expect(ds.y.shape).toEqual([100]);
    expect(ds.y.dtype).toBe("int32");
    expect(ds.classes).toEqual(data.FASHION_MNIST_CLASSES);
    const values = ds.x.dataSync();
    const [min, max] = [Math.min(...values), Math.max(...values)];
    expect(min).toBe(0);
    expect(max).toBe(1);
    // The first test image is an ankle boot (label 9), as in every Fashion-MNIST copy.
    expect(ds.y.dataSync()[0]).toBe(9);
    const s = await ds.get(0);
    expect([s.label, s.image.width, s.image.height, s.image.channels]).toEqual([9, 28, 28, 1]);
    ds.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reads the full train split's labels: 60000, 6000 per class", () => {
    const raw = data.readFashionMnist({ split: "train" });
    expect(raw.count).toBe(60000);
    const counts = new Array(10).fill(0);
    for (const l of raw.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
  });
});

describe("Fashion-MNIST errors", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it("a folder without the files: says which file and how to get it", () => {
    const empty = join(tmp.dir, "empty");
    mkdirSync(empty);
    expect(() => data.fashionMnist({ dir: empty })).toThrow(/Fashion-MNIST train files not found in .*empty \(looked for train-images-idx3-ubyte\[\.gz\]\)[\s\S]*apt-get install dataset-fashion-mnist/);
    expect(() => data.fashionMnist({ split: "valid" as "test" })).toThrow(/split must be "train" or "test"/);
  });

  it("reads uncompressed files from another folder", () => {
    const dir = join(tmp.dir, "plain");
    mkdirSync(dir);
    writeFileSync(join(dir, "t10k-images-idx3-ubyte"), idx(0x08, [2, 28, 28], new Uint8Array(2 * 784).fill(51)));
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), idx(0x08, [2], Uint8Array.from([3, 7])));
    const ds = data.fashionMnist({ split: "test", dir });
    expect(ds.x.shape).toEqual([2, 28, 28, 1]);
    expect(Array.from(ds.y.dataSync())).toEqual([3, 7]);
    expect(ds.x.dataSync()[0]).toBeCloseTo(0.2, 6);
    ds.dispose();
  });
});

describe("synthetic", () => {
  it("makes reproducible, balanced, learnable data of the requested shape", () => {
    const a = data.synthetic({ shape: [8, 8, 3], classes: 4, n: 40, seed: 1 });
    const b = data.synthetic({ shape: [8, 8, 3], classes: 4, n: 40, seed: 1 });
    const c = data.synthetic({ shape: [8, 8, 3], classes: 4, n: 40, seed: 2 });
    expect(a.x.shape).toEqual([40, 8, 8, 3]);
    expect(a.y.dtype).toBe("int32");
    expect(a.classes).toHaveLength(4);
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    expect(Array.from(a.x.dataSync())).not.toEqual(Array.from(c.x.dataSync()));
    const counts = new Array(4).fill(0);
    for (const l of a.y.dataSync()) counts[l]++;
    expect(counts).toEqual([10, 10, 10, 10]);
    // Samples of one class are closer to each other than to other classes.
    const x = a.x.dataSync();
    const y = a.y.dataSync();
    const size = 8 * 8 * 3;
    const dist = (i: number, j: number) => {
      let d = 0;
      for (let k = 0; k < size; k++) d += (x[i * size + k]! - x[j * size + k]!) ** 2;
      return d;
    };
    const same = y.findIndex((v, i) => i > 0 && v === y[0]);
    const other = y.findIndex((v) => v !== y[0]);
    expect(dist(0, same)).toBeLessThan(dist(0, other));
    for (const d of [a, b, c]) d.dispose();
  });
});
