// The loader: batch shapes and dtypes, epochs, shuffling, dropLast, every sample once per epoch,
// worker threads agreeing with the main thread bit for bit, skipped and failing images, no leaked
// tensors, and a process that exits on its own.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "../../lib/tf.js";
import { data, ImageReadError, type Batch, type Loader } from "../../lib/index.js";
import type { FloatImage } from "../../lib/data/image.js";
import { tempDir, writeSyntheticFolder } from "./helpers.js";

const T = data.transforms;

interface Seen {
  shapes: number[][];
  dtypes: string[];
  indices: number[][];
  epochs: number[];
  xs: Float32Array[];
  ys: number[][];
}

/** Iterates (disposing every tensor) and records what came out. */
async function collect(batches: AsyncIterable<Batch>): Promise<Seen> {
  const seen: Seen = { shapes: [], dtypes: [], indices: [], epochs: [], xs: [], ys: [] };
  for await (const b of batches) {
    seen.shapes.push([...b.xs.shape, ...b.ys.shape.map((d) => -d)]);
    seen.dtypes.push(`${b.xs.dtype}/${b.ys.dtype}`);
    seen.indices.push(Array.from(b.indices));
    seen.epochs.push(b.epoch);
    seen.xs.push((await b.xs.data()) as Float32Array);
    seen.ys.push(Array.from(await b.ys.data()));
    b.xs.dispose();
    b.ys.dispose();
  }
  return seen;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

describe("on tensors (synthetic, sliced on the main thread)", () => {
  const ds = data.synthetic({ shape: [4, 4, 1], classes: 5, n: 50, seed: 0 });
  afterAll(() => ds.dispose());

  it("batches with the right shapes, dtypes and length; dropLast drops the short batch", async () => {
    const l = data.loader(ds, { batchSize: 16 });
    expect(l.mode).toBe("tensors");
    expect(l.length).toBe(4);
    const seen = await collect(l);
    expect(seen.shapes).toEqual([
      [16, 4, 4, 1, -16],
      [16, 4, 4, 1, -16],
      [16, 4, 4, 1, -16],
      [2, 4, 4, 1, -2],
    ]);
    expect(new Set(seen.dtypes)).toEqual(new Set(["float32/int32"]));
    const dropped = data.loader(ds, { batchSize: 16, dropLast: true });
    expect(dropped.length).toBe(3);
    expect((await collect(dropped)).shapes.map((s) => s[0])).toEqual([16, 16, 16]);
  });

  it("sees every sample exactly once per epoch, with its own x and y", async () => {
    const l = data.loader(ds, { batchSize: 7, shuffle: true, seed: 9 });
    const seen = await collect(l);
    expect(sorted(seen.indices.flat())).toEqual(range(50));
    const x = ds.x.dataSync();
    const y = ds.y.dataSync();
    seen.indices.forEach((idx, b) => {
      idx.forEach((i, k) => {
        expect(Array.from(seen.xs[b]!.subarray(k * 16, k * 16 + 16))).toEqual(Array.from(x.subarray(i * 16, i * 16 + 16)));
        expect(seen.ys[b]![k]).toBe(y[i]);
      });
    });
  });

  it("shuffles reproducibly with the seed, differently every epoch and for another seed", async () => {
    const order = async (seed: number, epochs = 1) => (await collect(data.loader(ds, { batchSize: 50, shuffle: true, seed, epochs }))).indices;
    const [a, b, c] = [await order(1, 2), await order(1, 2), await order(2)];
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
    expect(a[0]).not.toEqual(c[0]);
    expect(sorted(a[1]!)).toEqual(range(50));
    expect((await collect(data.loader(ds, { batchSize: 50 }))).indices[0]).toEqual(range(50));
  });

  it("runs `epochs` epochs per iteration and continues from there; iterate({ epoch }) replays one", async () => {
    const l = data.loader(ds, { batchSize: 25, shuffle: true, seed: 5, epochs: 2 });
    const first = await collect(l);
    expect(first.epochs).toEqual([0, 0, 1, 1]);
    expect(l.epoch).toBe(2);
    const next = await collect(l);
    expect(next.epochs).toEqual([2, 2, 3, 3]);
    const replay = await collect(l.iterate({ epoch: 1, epochs: 1 }));
    expect(replay.indices).toEqual(first.indices.slice(2));
  });

  it("gives one-hot labels on request", async () => {
    const seen = await collect(data.loader(ds, { batchSize: 10, oneHot: true }));
    expect(seen.shapes[0]).toEqual([10, 4, 4, 1, -10, -5]);
    expect(seen.dtypes[0]).toBe("float32/float32");
    const y = ds.y.dataSync();
    for (let k = 0; k < 10; k++) expect(seen.ys[0]!.slice(k * 5, k * 5 + 5).indexOf(1)).toBe(y[k]);
  });

  it("accepts a plain { x, y } and leaks no tensors, also when the loop breaks", async () => {
    const before = tf.memory().numTensors;
    await collect(data.loader({ x: ds.x, y: ds.y }, { batchSize: 8, shuffle: true }));
    for await (const { xs, ys } of data.loader(ds, { batchSize: 8, shuffle: true, oneHot: true })) {
      xs.dispose();
      ys.dispose();
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("on an image folder", () => {
  const tmp = tempDir();
  let root: string;
  const transform = () => T.compose([T.randomResizedCrop(12), T.randomHorizontalFlip(), T.toTensor(), T.normalize()]);
  beforeAll(async () => {
    root = join(tmp.dir, "images");
    await writeSyntheticFolder(root, ["ant", "bee", "cat"], 7);
  });
  afterAll(tmp.cleanup);

  it("makes NHWC float32 batches and int32 labels in worker threads", async () => {
    const ds = data.imageFolder(root, { transform: transform() });
    const l = data.loader(ds, { batchSize: 8, shuffle: true, seed: 1 });
    expect(l.mode).toBe("workers");
    expect(l.length).toBe(3);
    const seen = await collect(l);
    expect(seen.shapes).toEqual([
      [8, 12, 12, 3, -8],
      [8, 12, 12, 3, -8],
      [5, 12, 12, 3, -5],
    ]);
    expect(new Set(seen.dtypes)).toEqual(new Set(["float32/int32"]));
    expect(sorted(seen.indices.flat())).toEqual(range(21));
    seen.indices.forEach((idx, b) => idx.forEach((i, k) => expect(seen.ys[b]![k]).toBe(ds.targets[i])));
  });

  it("workers and the main thread give identical batches, equal to get(i, { seed, epoch })", async () => {
    const ds = data.imageFolder(root, { transform: transform() });
    const opts = { batchSize: 6, shuffle: true, seed: 42, epochs: 2 };
    const viaWorkers = await collect(data.loader(ds, { ...opts, workers: 2 }));
    const onMain = data.loader(ds, { ...opts, workers: 0 });
    expect(onMain.mode).toBe("main-thread");
    const viaMain = await collect(onMain);
    expect(viaMain.indices).toEqual(viaWorkers.indices);
    expect(viaMain.ys).toEqual(viaWorkers.ys);
    viaWorkers.xs.forEach((x, b) => expect(Array.from(viaMain.xs[b]!)).toEqual(Array.from(x)));
    // Sample 2 of the last batch, recomputed alone.
    const b = viaWorkers.indices.length - 1;
    const i = viaWorkers.indices[b]![2]!;
    const alone = (await ds.get(i, { seed: 42, epoch: 1 })).image as FloatImage;
    const size = 12 * 12 * 3;
    expect(Array.from(viaWorkers.xs[b]!.subarray(2 * size, 3 * size))).toEqual(Array.from(alone.data));
    // Epochs differ (new order, new augmentation).
    expect(viaWorkers.indices[0]).not.toEqual(viaWorkers.indices[4]);
  });

  it("dropLast, oneHot, and a single worker", async () => {
    const ds = data.imageFolder(root, { transform: transform() });
    const seen = await collect(data.loader(ds, { batchSize: 8, dropLast: true, oneHot: true, workers: 1, prefetch: 1 }));
    expect(seen.shapes).toEqual([
      [8, 12, 12, 3, -8, -3],
      [8, 12, 12, 3, -8, -3],
    ]);
    expect(seen.indices.flat()).toEqual(range(16));
  });

  it("skips an unreadable image (onError: skip), lists it and warns once at the end of the epoch", async () => {
    const bad = join(tmp.dir, "with-bad");
    await writeSyntheticFolder(bad, ["ant", "bee"], 3);
    writeFileSync(join(bad, "bee", "broken.png"), "\x89PNG but not really");
    const ds = data.imageFolder(bad, { transform: transform() });
    expect(ds.length).toBe(7);
    for (const workers of [2, 0]) {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const l = data.loader(ds, { batchSize: 4, workers });
      const seen = await collect(l);
      expect(sorted(seen.indices.flat())).toEqual([0, 1, 2, 4, 5, 6]);
      expect(seen.shapes.map((s) => s[0])).toEqual([3, 3]);
      expect(l.skipped).toHaveLength(1);
      expect(l.skipped[0]!.path).toBe(join(bad, "bee", "broken.png"));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/skipped 1 unreadable image in epoch 0[\s\S]*broken\.png/);
      warn.mockRestore();
    }
  });

  it("stops at an unreadable image with onError: fail, naming the file", async () => {
    const bad = join(tmp.dir, "fail");
    await writeSyntheticFolder(bad, ["ant"], 5);
    writeFileSync(join(bad, "ant", "img_002.png"), "garbage");
    const ds = data.imageFolder(bad, { transform: transform(), onError: "fail" });
    for (const workers of [2, 0]) {
      const before = tf.memory().numTensors;
      const l = data.loader(ds, { batchSize: 2, workers });
      const err = await collect(l).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ImageReadError);
      expect((err as ImageReadError).path).toBe(join(bad, "ant", "img_002.png"));
      expect(String(err)).toMatch(/cannot read image .*img_002\.png/);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it("leaks no tensors and closes its workers when the loop breaks", async () => {
    const ds = data.imageFolder(root, { transform: transform() });
    const before = tf.memory().numTensors;
    const l = data.loader(ds, { batchSize: 4, workers: 2 });
    for await (const { xs, ys } of l) {
      xs.dispose();
      ys.dispose();
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect((l as unknown as { pools: Set<unknown> }).pools.size).toBe(0);
    await l.close();
  });

  it("runs a custom (function) transform on the main thread, and reads any dataset through get()", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const dim = (img: FloatImage) => ({ ...img, data: img.data.map((v) => v / 2) });
    const ds = data.imageFolder(root, { transform: [T.centerCrop(8), T.toTensor(), dim as never] });
    const l = data.loader(ds, { batchSize: 21 });
    expect(l.mode).toBe("main-thread");
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/custom \(function\) step/));
    warn.mockRestore();
    const seen = await collect(l);
    expect(Math.max(...seen.xs[0]!)).toBeLessThanOrEqual(0.5);

    const custom = {
      length: 5,
      classes: ["a", "b"],
      get: async (i: number) => ({ image: { kind: "float" as const, data: new Float32Array(6).fill(i), width: 3, height: 2, channels: 1 }, label: i % 2 }),
    };
    const viaGet = await collect(data.loader(custom, { batchSize: 2, oneHot: true }));
    expect(viaGet.shapes).toEqual([
      [2, 2, 3, 1, -2, -2],
      [2, 2, 3, 1, -2, -2],
      [1, 2, 3, 1, -1, -2],
    ]);
    expect(viaGet.xs[2]![0]).toBe(4);
  });
});

describe.concurrent("process exit", () => {
  const tmp = tempDir();
  let root: string;
  beforeAll(async () => {
    root = join(tmp.dir, "images");
    await writeSyntheticFolder(root, ["a", "b"], 6);
  });
  afterAll(tmp.cleanup);

  const here = fileURLToPath(new URL(".", import.meta.url));
  /** Runs the fixture; resolves with its exit code and output, or "hung" after 45 s. */
  function runChild(mode: string): Promise<{ code: number | string; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", join(here, "fixtures", "register-ts.mjs"), join(here, "fixtures", "loader-exit.ts"), root, mode], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve({ code: "hung", out });
      }, 45_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, out });
      });
    });
  }

  for (const mode of ["full", "break", "abandon", "persistent"]) {
    it(`exits by itself after ${mode === "abandon" ? "abandoning an iterator" : mode === "persistent" ? "two epochs with persistent workers (never closed)" : `a ${mode} iteration`}`, async () => {
      const { code, out } = await runChild(mode);
      expect(out).toContain("done");
      expect(code).toBe(0);
    }, 60_000);
  }
});
