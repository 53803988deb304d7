// LeNet-5 training throughput on tsamp's default CPU backend (wasm, with the kernels of
// lib/backends/wasm-kernels), beside the cpu backend and PyTorch CPU on one thread, same shapes, one
// run (DESIGN.md section 8: LeNet, batch 64, 3x32x32, wasm >= 0.5x PyTorch CPU 1 thread).
//
//   npm run build && node bench/lenet-wasm.mjs [--rounds 8] [--steps 5] [--cpu-steps 2] [--batch 64] [--profile] [--no-torch] [--simd-off]
//
// (A plain .mjs over dist/: tsx is not a dependency and tsconfig builds only kernel/ and lib/.)
// PyTorch is Debian's python3-torch, run by /usr/bin/python3 (the python3 on PATH may lack it);
// without it the table says so. Each framework trains the same network from its own random init on
// one fixed random batch with plain SGD (lr 0.01): conv 5x5 (6) - relu - maxpool 2 - conv 5x5 (16)
// - relu - maxpool 2 - dense 120 - relu - dense 84 - relu - dense 10 - softmax cross entropy.
// tfjs runs it twice: written with tf ops (conv2d, add, relu, ...) and as a tf.layers model (which
// fuses bias and activation into its conv and dense kernels), as users would write it.
// --simd-off adds a row: the tf-ops step with tsamp's WebAssembly SIMD kernels turned off
// (setWasmSimdKernels(false): the kernels' composed and JS paths, as before those kernels).
// wasm and PyTorch run in alternating rounds (PyTorch stays up in a child process), so load from
// other processes falls on both alike; each row gives the median wall time of a step and the median
// CPU time of this process (or PyTorch's) per step, which load inflates less. The cpu backend takes
// tens of seconds a step and runs alone, after. No assertions: figures go to docs/benchmarks.md.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tf = await import(path.join(ROOT, "dist/lib/tf.js"));
const { backends } = await import(path.join(ROOT, "dist/lib/backends/index.js"));
const { setWasmSimdKernels } = await import(path.join(ROOT, "dist/lib/backends/wasm-kernels/simd.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const BATCH = arg("batch", 64);
const ROUNDS = arg("rounds", 8);
const STEPS = arg("steps", 5); // per round
const CPU_STEPS = arg("cpu-steps", 2);
const WARMUP = 3;
const LR = 0.01;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

/** Wall and CPU milliseconds of each call of `step`. */
function timeSteps(step, n, into) {
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    into.loss = step();
    into.wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    into.cpu.push((c.user + c.system) / 1000);
  }
}

// ---- tfjs: tf ops ---------------------------------------------------------------------------------

/** LeNet-5 in tf ops (NHWC), He-style init, training on one fixed batch. */
function opsTrainer() {
  const w = (shape, fanIn) => tf.variable(tf.mul(tf.randomNormal(shape), Math.sqrt(2 / fanIn)));
  const b = (n) => tf.variable(tf.zeros([n]));
  const p = {
    c1: w([5, 5, 3, 6], 75), b1: b(6),
    c2: w([5, 5, 6, 16], 150), b2: b(16),
    f1: w([400, 120], 400), g1: b(120),
    f2: w([120, 84], 120), g2: b(84),
    f3: w([84, 10], 84), g3: b(10),
  };
  const logits = (x) => {
    let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, p.c1, 1, "valid"), p.b1)), 2, 2, "valid"); // 28 -> 14
    h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, p.c2, 1, "valid"), p.b2)), 2, 2, "valid"); // 10 -> 5
    h = tf.reshape(h, [-1, 400]);
    h = tf.relu(tf.add(tf.matMul(h, p.f1), p.g1));
    h = tf.relu(tf.add(tf.matMul(h, p.f2), p.g2));
    return tf.add(tf.matMul(h, p.f3), p.g3);
  };
  const opt = tf.train.sgd(LR);
  const x = tf.randomNormal([BATCH, 32, 32, 3]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), "int32"), 10);
  const params = Object.values(p);
  return {
    step() {
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(x)), true, params);
      const loss = cost.dataSync()[0]; // waits for the step (wasm and cpu are synchronous anyway)
      cost.dispose();
      return loss;
    },
    dispose() {
      opt.dispose();
      tf.dispose([x, y, ...params]);
    },
  };
}

// ---- tfjs: tf.layers ------------------------------------------------------------------------------

function layersTrainer() {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 6, kernelSize: 5, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: "relu" }),
      tf.layers.dense({ units: 84, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(LR), loss: "categoricalCrossentropy" });
  const x = tf.randomNormal([BATCH, 32, 32, 3]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), "int32"), 10);
  // trainOnBatch is async only to read the loss back; on wasm the step itself has run by then.
  let last = NaN;
  return {
    async step() {
      last = await model.trainOnBatch(x, y);
      return last;
    },
    dispose() {
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

async function timeAsyncSteps(step, n, into) {
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    into.loss = await step();
    into.wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    into.cpu.push((c.user + c.system) / 1000);
  }
}

// ---- PyTorch, in a child process that runs rounds on request ---------------------------------------

const TORCH = `
import json, sys, time
try:
    import torch, torch.nn as nn, torch.nn.functional as F
except ImportError as e:
    print(json.dumps({"error": "not installed (" + str(e).strip() + "); apt-get install python3-torch"}), flush=True); sys.exit(0)
torch.set_num_threads(1)
class LeNet5(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1, s.c2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        s.f1, s.f2, s.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.c1(x)), 2)
        x = F.max_pool2d(F.relu(s.c2(x)), 2)
        x = F.relu(s.f1(x.flatten(1)))
        return s.f3(F.relu(s.f2(x)))
m = LeNet5()
opt = torch.optim.SGD(m.parameters(), lr=${LR})
x, y = torch.randn(${BATCH}, 3, 32, 32), torch.arange(${BATCH}) % 10
def step():
    opt.zero_grad()
    loss = F.cross_entropy(m(x), y)
    loss.backward()
    opt.step()
    return loss.item()
print(json.dumps({"ready": True, "version": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    wall, cpu, loss = [], [], 0.0
    for _ in range(int(line)):
        c, t = time.process_time(), time.perf_counter()
        loss = step()
        wall.append((time.perf_counter() - t) * 1000); cpu.append((time.process_time() - c) * 1000)
    print(json.dumps({"wall": wall, "cpu": cpu, "loss": loss}), flush=True)
`;

async function startTorch() {
  if (flag("no-torch")) return { error: "skipped (--no-torch)" };
  // set_num_threads(1) alone leaves an OpenMP worker thread from start-up running: pin it at launch.
  const env = { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  const child = spawn("/usr/bin/python3", ["-c", TORCH], { stdio: ["pipe", "pipe", "pipe"], env });
  const failed = new Promise((resolve) => child.on("error", (e) => resolve({ error: `/usr/bin/python3: ${e.message}` })));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await Promise.race([lines.next(), failed]);
    if (r.error) return r;
    if (r.done) return { error: "PyTorch process ended" };
    return JSON.parse(r.value);
  };
  const hello = await next();
  if (hello.error) return hello;
  return {
    name: `PyTorch ${hello.version} CPU, ${hello.threads} thread`,
    async run(n, into) {
      child.stdin.write(`${n}\n`);
      const r = await next();
      if (r.error) throw new Error(r.error);
      into.wall.push(...r.wall);
      into.cpu.push(...r.cpu);
      into.loss = r.loss;
    },
    stop() {
      child.stdin.end();
    },
  };
}

// ---- run ---------------------------------------------------------------------------------------

const newRow = (name) => ({ name, wall: [], cpu: [], loss: NaN });

console.log(`LeNet-5 training step, batch ${BATCH}, 3x32x32, SGD; node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
console.log(`load average before: ${load()}`);

await backends.use("wasm");
const version = `tfjs ${tf.version_core}`;
const ops = opsTrainer();
const layers = layersTrainer();
const torch = await startTorch();
const rows = {
  ops: newRow(`${version} wasm, tf ops`),
  layers: newRow(`${version} wasm, tf.layers`),
  torch: newRow(torch.name ?? "PyTorch CPU, 1 thread"),
  simdOff: newRow(`${version} wasm, tf ops, SIMD kernels off`),
};
const SIMD_OFF = flag("simd-off");
const tensorsBefore = (() => {
  for (let i = 0; i < WARMUP; i++) ops.step();
  return tf.memory().numTensors;
})();
for (let i = 0; i < WARMUP; i++) await layers.step();
if (torch.run) await torch.run(WARMUP, newRow("warm-up"));
for (let r = 0; r < ROUNDS; r++) {
  process.stderr.write(`round ${r + 1}/${ROUNDS}\r`);
  timeSteps(() => ops.step(), STEPS, rows.ops);
  await timeAsyncSteps(() => layers.step(), STEPS, rows.layers);
  if (torch.run) await torch.run(STEPS, rows.torch);
  if (SIMD_OFF) {
    setWasmSimdKernels(false);
    if (r === 0) ops.step(); // warm-up of the other paths
    timeSteps(() => ops.step(), STEPS, rows.simdOff);
    setWasmSimdKernels(true);
  }
}
process.stderr.write("\n");
const leaked = tf.memory().numTensors - tensorsBefore;
let profile = null;
if (flag("profile")) {
  const info = await tf.profile(() => void ops.step());
  const byKernel = new Map();
  for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + k.kernelTimeMs);
  profile = [...byKernel].sort((a, b) => b[1] - a[1]);
}
ops.dispose();
layers.dispose();
torch.stop?.();
if (torch.error) rows.torch.error = torch.error;

process.stderr.write(`tfjs cpu: ${CPU_STEPS} steps (tens of seconds each)...\n`);
await backends.use("cpu");
const cpuRow = newRow(`${version} cpu, tf ops`);
if (CPU_STEPS > 0) {
  const cpuOps = opsTrainer();
  cpuOps.step(); // warm-up
  timeSteps(() => cpuOps.step(), CPU_STEPS, cpuRow);
  cpuOps.dispose();
}
console.log(`load average after:  ${load()}`);
console.log();

const ref = rows.torch.wall.length ? { wall: median(rows.torch.wall), cpu: median(rows.torch.cpu) } : null;
console.log("| framework | wall ms/step | CPU ms/step | images/s (wall) | vs PyTorch (wall) | vs PyTorch (CPU) | steps | final loss |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of [rows.ops, rows.layers, ...(SIMD_OFF ? [rows.simdOff] : []), cpuRow, rows.torch]) {
  if (r.error || r.wall.length === 0) {
    console.log(`| ${r.name} | ${r.error ?? "not run"} | | | | | | |`);
    continue;
  }
  const wall = median(r.wall);
  const cpu = median(r.cpu);
  const ratio = (a, b) => (ref === null ? "n/a" : `${(a / b).toFixed(2)}x`);
  console.log(
    `| ${r.name} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${((1000 * BATCH) / wall).toFixed(0)} | ${ratio(ref?.wall, wall)} | ${ratio(ref?.cpu, cpu)} | ${r.wall.length} | ${r.loss.toFixed(3)} |`,
  );
}
console.log();
console.log(`tf.memory().numTensors change over the wasm tf-ops steps: ${leaked}`);
if (profile) {
  const total = profile.reduce((s, [, ms]) => s + ms, 0);
  console.log();
  console.log(`wasm kernels in one tf-ops step (tf.profile): ${total.toFixed(1)} ms`);
  console.log("| kernel | ms |");
  console.log("|---|---:|");
  for (const [name, ms] of profile.slice(0, 12)) console.log(`| ${name} | ${ms.toFixed(2)} |`);
}
