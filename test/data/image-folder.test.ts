// ImageFolder: torchvision's layout and class order, the class map, and clear errors.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FASHION_MNIST_DIR } from "../../lib/data/fashion-mnist.js";
import { data, ImageReadError } from "../../lib/index.js";
import { tempDir, writeSyntheticFolder } from "./helpers.js";

const T = data.transforms;
const haveFashion = existsSync(FASHION_MNIST_DIR);

describe.skipIf(!haveFashion)("an image folder written from Fashion-MNIST", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  let written: Awaited<ReturnType<typeof data.writeImageFolder>>;

  beforeAll(async () => {
    written = await data.writeImageFolder(join(tmp.dir, "fashion"), { source: "fashion-mnist", split: "test", perClass: 3, size: 32 });
  });

  it("writes perClass PNGs into one folder per class, named after the labels", () => {
    expect(written.files).toBe(30);
    expect(written.counts).toEqual(new Array(10).fill(3));
    expect(readdirSync(written.root).sort()).toEqual([...data.FASHION_MNIST_CLASSES].sort());
    expect(readdirSync(join(written.root, "trouser"))).toHaveLength(3);
    expect(readdirSync(join(written.root, "trouser"))[0]).toMatch(/^test_\d{4}\.png$/);
  });

  it("reads back with classes sorted like torchvision (by code point) and the class map", async () => {
    const ds = data.imageFolder(written.root);
    expect(ds.length).toBe(30);
    expect(ds.classes).toEqual(["ankle_boot", "bag", "coat", "dress", "pullover", "sandal", "shirt", "sneaker", "t-shirt_top", "trouser"]);
    expect(ds.classToIndex["t-shirt_top"]).toBe(8);
    expect(ds.classToIndex.ankle_boot).toBe(0);
    expect(ds.counts()).toEqual(new Array(10).fill(3));
    expect(Array.from(ds.targets.slice(0, 6))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(ds.samples[3]![0]).toContain(join("bag", "test_"));
    const { image, label } = await ds.get(4);
    expect(label).toBe(1);
    expect([image.kind, image.width, image.height, image.channels]).toEqual(["raw", 32, 32, 3]);
  });

  it("applies the transform in get(), keyed by (seed, epoch, index)", async () => {
    const ds = data.imageFolder(written.root, { transform: [T.randomResizedCrop(24), T.randomHorizontalFlip(), T.toTensor(), T.normalize()] });
    const a = await ds.get(7, { seed: 3 });
    const b = await ds.get(7, { seed: 3 });
    const c = await ds.get(7, { seed: 4 });
    expect([a.image.kind, a.image.width, a.image.height, a.image.channels]).toEqual(["float", 24, 24, 3]);
    expect(Array.from(b.image.data)).toEqual(Array.from(a.image.data));
    expect(Array.from(c.image.data)).not.toEqual(Array.from(a.image.data));
    const t = data.toTensor(a.image);
    expect(t.shape).toEqual([24, 24, 3]);
    t.dispose();
  });

  it("writes JPEGs, grayscale by default, and channels: 1 reads them as one channel", async () => {
    const w = await data.writeImageFolder(join(tmp.dir, "jpeg"), { source: "fashion-mnist", split: "test", perClass: 1, format: "jpeg" });
    expect(readdirSync(join(w.root, "bag"))[0]).toMatch(/\.jpg$/);
    const ds = data.imageFolder(w.root, { channels: 1 });
    const { image } = await ds.get(0);
    expect([image.width, image.height, image.channels]).toEqual([28, 28, 1]);
  });

  it("refuses more images per class than the split has", async () => {
    await expect(data.writeImageFolder(join(tmp.dir, "big"), { source: "fashion-mnist", split: "test", perClass: 1001 })).rejects.toThrow(/only 1000 images/);
  });
});

describe("layout and class order", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it("sorts class folders by code point (Python's sorted), ignores hidden entries and other files", async () => {
    const root = join(tmp.dir, "order");
    await writeSyntheticFolder(root, ["b", "B", "a", "_x", "Z", "é"], 1);
    mkdirSync(join(root, ".ipynb_checkpoints"));
    writeFileSync(join(root, "README.txt"), "not a class");
    writeFileSync(join(root, "a", "notes.txt"), "not an image");
    writeFileSync(join(root, "a", ".hidden.png"), "not an image either");
    const ds = data.imageFolder(root);
    expect(ds.classes).toEqual(["B", "Z", "_x", "a", "b", "é"]);
    expect(ds.length).toBe(6);
  });

  it("walks subfolders inside a class, in os.walk order, and matches extensions case-insensitively", async () => {
    const root = join(tmp.dir, "nested");
    await writeSyntheticFolder(root, ["cls"], 2);
    await writeSyntheticFolder(join(root, "cls"), ["sub"], 1);
    const src = join(root, "cls", "img_000.png");
    writeFileSync(join(root, "cls", "UPPER.PNG"), readFileSync(src));
    const ds = data.imageFolder(root);
    expect(ds.samples.map(([p]) => p.slice(root.length + 1))).toEqual(["cls/UPPER.PNG", "cls/img_000.png", "cls/img_001.png", "cls/sub/img_000.png"]);
  });

  it("takes an explicit class list in its order (index = position)", async () => {
    const root = join(tmp.dir, "explicit");
    await writeSyntheticFolder(root, ["cat", "dog", "eel"], 2);
    const ds = data.imageFolder(root, { classes: ["eel", "cat"] });
    expect(ds.classes).toEqual(["eel", "cat"]);
    expect(ds.length).toBe(4);
    expect(Array.from(ds.targets)).toEqual([0, 0, 1, 1]);
    expect(ds.samples[0]![0]).toContain("eel");
    expect(() => data.imageFolder(root, { classes: ["cat", "cow"] })).toThrow(/class folder\(s\) not found .*: cow/);
  });

  it("reads JPEG folders", async () => {
    const root = join(tmp.dir, "jpeg");
    await writeSyntheticFolder(root, ["x", "y"], 2, { format: "jpeg", width: 12, height: 10 });
    const ds = data.imageFolder(root, { transform: [T.centerCrop(8), T.toTensor()] });
    const { image } = await ds.get(3);
    expect([image.width, image.height, image.channels]).toEqual([8, 8, 3]);
  });
});

describe("errors", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it("a missing folder: names the path and the expected layout", () => {
    const missing = join(tmp.dir, "nope");
    expect(() => data.imageFolder(missing)).toThrow(new RegExp(`image folder not found: ${missing}[\\s\\S]*one subfolder per class[\\s\\S]*<class>/<image>`));
  });

  it("a file instead of a folder, and a folder without class folders", () => {
    const file = join(tmp.dir, "file.png");
    writeFileSync(file, "x");
    expect(() => data.imageFolder(file)).toThrow(/not a folder/);
    const flat = join(tmp.dir, "flat");
    mkdirSync(flat);
    writeFileSync(join(flat, "a.png"), "x");
    expect(() => data.imageFolder(flat)).toThrow(/no class folders in .*flat[\s\S]*one subfolder per class/);
  });

  it("a class folder without images names the class; allowEmpty keeps it", async () => {
    const root = join(tmp.dir, "empty");
    await writeSyntheticFolder(root, ["full"], 2);
    mkdirSync(join(root, "hollow"));
    writeFileSync(join(root, "hollow", "readme.txt"), "no images here");
    expect(() => data.imageFolder(root)).toThrow(/class folder without images \(\.jpg, \.jpeg, \.png\) in .*: hollow/);
    const ds = data.imageFolder(root, { allowEmpty: true });
    expect(ds.classes).toEqual(["full", "hollow"]);
    expect(ds.counts()).toEqual([2, 0]);
  });

  it("an unreadable image: get() throws an ImageReadError naming the file", async () => {
    const root = join(tmp.dir, "corrupt");
    await writeSyntheticFolder(root, ["ok"], 1);
    writeFileSync(join(root, "ok", "zz_bad.png"), "this is not a PNG");
    const ds = data.imageFolder(root);
    await expect(ds.get(1)).rejects.toBeInstanceOf(ImageReadError);
    await expect(ds.get(1)).rejects.toThrow(/cannot read image .*zz_bad\.png/);
    await expect(ds.get(2)).rejects.toThrow(/out of range/);
  });

  it("rejects bad options", async () => {
    const root = join(tmp.dir, "opts");
    await writeSyntheticFolder(root, ["a"], 1);
    expect(() => data.imageFolder(root, { onError: "ignore" as "skip" })).toThrow(/onError must be/);
    expect(() => data.imageFolder(root, { channels: 2 as 3 })).toThrow(/channels must be 1 or 3/);
  });
});
