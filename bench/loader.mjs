// Loader throughput on an image folder: tsamp's data.loader (worker threads) beside torchvision's
// ImageFolder with a DataLoader of 2 workers, same folder, same transforms, one run (issue 6:
// target >= 1.0x torchvision).
//
//   npm run build && node bench/loader.mjs [--per-class 200] [--size 64] [--crop 56] [--batch 64]
//       [--workers 2] [--rounds 5] [--format png|jpeg] [--dir DIR] [--no-torch]
//
// The folder is written once from Fashion-MNIST with data.writeImageFolder (10 classes x per-class
// images, size x size, grayscale PNG by default; both loaders convert to RGB). Transforms on both
// sides: RandomResizedCrop(crop) + RandomHorizontalFlip + ToTensor + Normalize(ImageNet), batch
// `batch`, shuffled. Each round runs one epoch of each loader, alternating (torchvision stays up in
// a child process), workers started afresh every epoch on both sides (torch's
// persistent_workers=False, tsamp's persistentWorkers: false). tsamp's batches become tf tensors
// (then disposed), torchvision's are torch tensors. Reported: median images/s over rounds, and CPU
// seconds per 1000 images (all threads / worker processes), which load from other processes
// inflates less than wall time. The load average is printed: on a shared 2-core machine, read the
// ratio, not the absolute figures. Context rows (one epoch each): tsamp on the main thread only,
// tsamp with persistentWorkers (no worker start-up per epoch), and tsamp with every image forced
// through sharp's pipeline (engine: "sharp").
// No assertions: figures go to docs/benchmarks.md.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { data } = await import(path.join(ROOT, "dist/lib/data/index.js"));
const tf = await import(path.join(ROOT, "dist/lib/tf.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  return typeof fallback === "number" ? Number(v) : v;
};
const perClass = arg("per-class", 200);
const size = arg("size", 64);
const crop = arg("crop", 56);
const batch = arg("batch", 64);
const workers = arg("workers", 2);
const rounds = arg("rounds", 5);
const format = arg("format", "png");
const noTorch = process.argv.includes("--no-torch");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => loadavg().map((v) => v.toFixed(2)).join(" ");

// --- the folder ------------------------------------------------------------------------------
const dir = arg("dir", path.join(tmpdir(), `tsamp-bench-loader-${perClass}x10-${size}px-${format}`));
const marker = path.join(dir, ".written");
const stamp = JSON.stringify({ perClass, size, format });
if (!existsSync(marker) || readFileSync(marker, "utf8") !== stamp) {
  const t = performance.now();
  const w = await data.writeImageFolder(dir, { source: "fashion-mnist", split: "train", perClass, size, format });
  writeFileSync(marker, stamp);
  console.error(`wrote ${w.files} images to ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// --- tsamp -----------------------------------------------------------------------------------
const T = data.transforms;
const transform = T.compose([T.randomResizedCrop(crop), T.randomHorizontalFlip(), T.toTensor(), T.normalize()]);

function makeLoader(opts = {}) {
  const ds = data.imageFolder(dir, { transform, ...(opts.engine ? { engine: opts.engine } : {}) });
  return data.loader(ds, { batchSize: batch, shuffle: true, seed: 0, workers: opts.workers ?? workers, prefetch: 2, persistentWorkers: opts.persistent ?? false });
}

async function tsampEpoch(loader) {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let n = 0;
  let shape;
  for await (const { xs, ys } of loader) {
    n += xs.shape[0];
    shape = xs.shape;
    xs.dispose();
    ys.dispose();
  }
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall, images: n, cpu: (cpu.user + cpu.system) / 1e6, shape };
}

// --- torchvision -----------------------------------------------------------------------------
function startTorch() {
  const py = "/usr/bin/python3";
  try {
    execFileSync(py, ["-c", "import torchvision"], { stdio: "ignore" });
  } catch {
    return null;
  }
  const child = spawn(py, [path.join(ROOT, "bench/loader_torchvision.py"), dir, String(crop), String(batch), String(workers)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const queue = [];
  const waiting = [];
  lines.on("line", (line) => {
    const msg = JSON.parse(line);
    const w = waiting.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r)));
  return {
    ready: next(),
    async epoch() {
      child.stdin.write("epoch\n");
      return next();
    },
    close() {
      child.stdin.end();
    },
  };
}

// --- run -------------------------------------------------------------------------------------
console.error(`load average before: ${load()} (${cpus().length} CPUs)`);
const torch = noTorch ? null : startTorch();
const info = torch ? await torch.ready : null;
if (info) console.error(`torch ${info.torch}, torchvision ${info.torchvision}, ${info.images} images, torch threads ${info.threads}`);
else if (!noTorch) console.error("torchvision not importable by /usr/bin/python3 (apt-get install python3-torchvision): tsamp only");

const loader = makeLoader();
const ours = [];
const theirs = [];
// Warm-up epoch each (first worker script load, page cache, Python imports in workers).
await tsampEpoch(loader);
if (torch) await torch.epoch();
for (let r = 0; r < rounds; r++) {
  ours.push(await tsampEpoch(loader));
  if (torch) theirs.push(await torch.epoch());
}
const persistent = makeLoader({ persistent: true });
await tsampEpoch(persistent); // starts the workers
const warm = await tsampEpoch(persistent);
await persistent.close();
const mainThread = await tsampEpoch(makeLoader({ workers: 0 }));
const viaSharp = await tsampEpoch(makeLoader({ engine: "sharp" }));
torch?.close();
console.error(`load average after: ${load()}`);

const rate = (e) => e.images / e.wall;
const cpuPer1000 = (e) => ((e.cpu + (e.workers_cpu ?? 0)) / e.images) * 1000;
const oursRate = median(ours.map(rate));
const theirsRate = theirs.length ? median(theirs.map(rate)) : null;
const rows = [
  ["tsamp data.loader, " + workers + " worker threads", oursRate, median(ours.map(cpuPer1000)), ours.length],
  ...(theirsRate ? [["torchvision ImageFolder + DataLoader, " + workers + " workers", theirsRate, median(theirs.map(cpuPer1000)), theirs.length]] : []),
  ["tsamp, persistentWorkers: true (2nd epoch: no worker start-up)", rate(warm), cpuPer1000(warm), 1],
  ["tsamp, main thread only (workers: 0)", rate(mainThread), cpuPer1000(mainThread), 1],
  ['tsamp, 2 workers, engine: "sharp" for every image', rate(viaSharp), cpuPer1000(viaSharp), 1],
];
const images = ours[0].images;
console.log(
  `\nLoader, ${images} images (${size}x${size} ${format.toUpperCase()}, Fashion-MNIST via writeImageFolder), ` +
    `RandomResizedCrop(${crop}) + RandomHorizontalFlip + ToTensor + Normalize, batch ${batch}, shuffled; ` +
    `${cpus().length} CPUs, load average ${load()}\n`,
);
console.log("| loader | images/s (median) | CPU s / 1000 images | epochs | vs torchvision |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, r, c, n] of rows) {
  console.log(`| ${name} | ${r.toFixed(0)} | ${c.toFixed(2)} | ${n} | ${theirsRate ? (r / theirsRate).toFixed(2) + "x" : "n/a"} |`);
}
console.log(`\nper-epoch images/s, tsamp: ${ours.map((e) => rate(e).toFixed(0)).join(", ")}`);
if (theirs.length) console.log(`per-epoch images/s, torchvision: ${theirs.map((e) => rate(e).toFixed(0)).join(", ")}`);
console.log(`batch shape: tsamp ${JSON.stringify(ours[0].shape)} (NHWC), torchvision ${theirs.length ? JSON.stringify(theirs[0].shape) : "n/a"} (NCHW)`);
void tf;
