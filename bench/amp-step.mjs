// Emulated mixed-precision training step time against float32, same model, same batch, same
// backend, one run (DESIGN.md section 8: mixed_float16 / float32 <= 1.3).
//
//   npm run build && node bench/amp-step.mjs [--backend wasm] [--model lenet|mlp] [--batch 64]
//                                            [--rounds 8] [--steps 5] [--policies float32,mixed_float16,mixed_bfloat16]
//
// Each policy gets its own amp.trainer over the same model architecture and initial weights and
// trains on one fixed batch. Policies run in alternating rounds (round-robin), so background load
// falls on all alike; each row gives the median wall time and the median CPU time of this process
// per step, and the ratio of each to float32's. A plain tf.js loop (tf.train.sgd minimize, no
// autocast, no trainer) is timed the same way for context: the trainer's own overhead.
// No assertions: figures go to docs/benchmarks.md.
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { tf, amp, models, backends } = await import(path.join(ROOT, "dist/lib/index.js"));

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const BACKEND = opt("backend", null);
const MODEL = opt("model", "lenet");
const BATCH = Number(opt("batch", 64));
const ROUNDS = Number(opt("rounds", 8));
const STEPS = Number(opt("steps", 5));
const POLICIES = opt("policies", "float32,mixed_float16,mixed_bfloat16").split(",");

const backend = BACKEND ? await backends.use(BACKEND) : await backends.auto();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const build = () =>
  MODEL === "mlp" ? models.mlp({ inputSize: [28, 28, 1], hidden: [512, 256], classes: 10 }) : models.lenet({ inputShape: [28, 28, 1] });
const x = tf.randomNormal([BATCH, 28, 28, 1], 0, 1, "float32", 1);
const y = tf.randomUniformInt([BATCH], 0, 10, { seed: 2 });
const first = build();
const initial = first.getWeights().map((w) => w.clone());

/** Something with step(): an amp.trainer per policy, and the plain tf.js loop. */
const runners = [];
for (const policy of POLICIES) {
  const model = build();
  model.setWeights(initial);
  const trainer = amp.trainer({ model, loss: "crossEntropy", optimizer: amp.optim.sgd({ lr: 0.01 }), policy, lossScale: amp.lossScale.dynamic() });
  runners.push({ name: policy, step: () => trainer.step(x, y), wall: [], cpu: [] });
}
{
  const model = build();
  model.setWeights(initial);
  const sgd = tf.train.sgd(0.01);
  const labels = tf.oneHot(y, 10);
  const step = async () => {
    const loss = sgd.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true })), true);
    await loss.data();
    loss.dispose();
  };
  runners.push({ name: "plain tf.js (no amp)", step, wall: [], cpu: [] });
}

// "Outside autocast nothing slows down": the plain loop timed before any autocast has run, against
// the same loop between the trainers' steps below (after every autocast has unwrapped the kernels).
const plain = runners[runners.length - 1];
const pristine = { name: "plain tf.js, before any autocast", step: plain.step, wall: [], cpu: [] };
for (let i = 0; i < 10; i++) await pristine.step(); // JIT and caches first, as for the others
for (let i = 0; i < ROUNDS * STEPS; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await pristine.step();
  pristine.wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  pristine.cpu.push((c.user + c.system) / 1000);
}
for (const r of runners) for (let i = 0; i < 3; i++) await r.step(); // warm-up: kernels, caches, JIT
const tensors0 = tf.memory().numTensors;
for (let round = 0; round < ROUNDS; round++) {
  for (const r of runners) {
    for (let i = 0; i < STEPS; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await r.step();
      r.wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      r.cpu.push((c.user + c.system) / 1000);
    }
  }
}
const leaked = tf.memory().numTensors - tensors0;

const base = runners[0];
const bw = median(base.wall);
const bc = median(base.cpu);
console.log(`amp step: ${MODEL}, batch ${BATCH}, backend ${backend}, ${ROUNDS} rounds x ${STEPS} steps, ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log("policy                  wall ms   cpu ms   wall/float32   cpu/float32");
for (const r of runners) {
  const w = median(r.wall);
  const c = median(r.cpu);
  console.log(
    `${r.name.padEnd(22)} ${w.toFixed(1).padStart(8)} ${c.toFixed(1).padStart(8)} ${(w / bw).toFixed(2).padStart(14)} ${(c / bc).toFixed(2).padStart(13)}`,
  );
}
const pw = median(pristine.wall);
const pc = median(pristine.cpu);
console.log(
  `${pristine.name}: ${pw.toFixed(1)} ms wall, ${pc.toFixed(1)} ms cpu; the same loop between autocast steps: ` +
    `${(median(plain.wall) / pw).toFixed(2)}x wall, ${(median(plain.cpu) / pc).toFixed(2)}x cpu`,
);
console.log(`tensors leaked over the timed steps: ${leaked}`);
