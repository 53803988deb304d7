// quantize throughput per backend beside a same-size tf.mul on that backend (DESIGN.md section 8:
// quantize >= 1/1.5 of an elementwise multiply, i.e. a ratio >= 0.67), printed as a Markdown table.
//
//   npm run build && node bench/quantize.mjs [--backends cpu,wasm] [--webgpu] [--sizes 16,20,22]
//                                              [--rounds 5] [--ms 200] [--paths]
//
// --webgpu adds the webgpu backend (off by default: on a machine without a GPU it runs on Mesa's
// lavapipe, a CPU emulation whose figures say nothing about GPUs). --paths adds rows for the wasm
// kernel's other two paths (wasm-simd.ts): "scratch", the SIMD module copying through a memory of
// its own, and "js", the JS loop over the heap, to show what importing the backend's memory buys.
// --sizes are log2 of the element count.
//
// Data: a standard normal tensor, the scale of weights and activations. Each op is timed as in
// bench/gpu-check.mjs: a run makes `iters` results (each disposed once the next exists) and then
// reads one element of the last, which waits for an asynchronous backend; iters grows until a run
// takes --ms; then --rounds rounds run mul and every quantize case in turn, and each keeps its best
// round, so load that comes and goes falls on all alike. The ratio is taken by CPU time for cpu and
// wasm (see run()) and by wall time for webgpu; the wall-time ratio is printed beside it. Absolute
// rates are context only (the machine is shared; the load average is printed).
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeOp } from "./op-timing.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tf = await import(path.join(ROOT, "dist/lib/tf.js"));
const { backends } = await import(path.join(ROOT, "dist/lib/backends/index.js"));
const { formats, quantize } = await import(path.join(ROOT, "dist/lib/formats/index.js"));
const simd = await import(path.join(ROOT, "dist/lib/formats/kernels/wasm-simd.js"));

const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq === undefined ? fallback : eq.slice(name.length + 3);
};
const flag = (name) => process.argv.includes(`--${name}`);

const BACKENDS = opt("backends", "cpu,wasm").split(",").concat(flag("webgpu") ? ["webgpu"] : []);
const SIZES = opt("sizes", "16,20,22").split(",").map((k) => 2 ** Number(k));
const ROUNDS = Number(opt("rounds", "5"));
const RUN_MS = Number(opt("ms", "200"));
const PATHS = flag("paths");

const CASES = [
  ["float16", {}],
  ["bfloat16", {}],
  ["float8_e4m3fn", { saturate: true }],
  ["float4_e2m1fn", {}],
].flatMap(([format, o]) =>
  ["nearest-even", "stochastic"].map((rounding) => ({
    format,
    label: `${format}${o.saturate ? " (saturate)" : ""}`,
    rounding,
    opts: { ...o, rounding, seed: 7 },
  })),
);

const load = () => loadavg().map((l) => l.toFixed(2)).join(", ");
const rate = (r) => (r >= 1e9 ? `${(r / 1e9).toFixed(2)} G` : `${(r / 1e6).toFixed(1)} M`);

const run = (op, iters) => timeOp(tf, op, iters);

/** Elements per second of each op by wall and by CPU time (each the best of ROUNDS interleaved rounds). */
async function rates(n, ops) {
  const iters = [];
  for (const op of ops) {
    await run(op, 3); // compile, tier up, warm the allocator
    let k = 1;
    while ((await run(op, k)).wall < RUN_MS && k < 1 << 14) k *= 2;
    iters.push(k);
  }
  const best = ops.map(() => ({ wall: Infinity, cpu: Infinity }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, op] of ops.entries()) {
      const t = await run(op, iters[i]);
      best[i] = { wall: Math.min(best[i].wall, t.wall), cpu: Math.min(best[i].cpu, t.cpu) };
    }
  }
  return best.map((t, i) => ({ wall: (n * iters[i]) / (t.wall / 1000), cpu: (n * iters[i]) / (Math.max(t.cpu, 1e-3) / 1000) }));
}

console.log(`bench/quantize: node ${process.version}, tfjs ${tf.version_core}, load average ${load()}`);
const rows = [];
for (const name of BACKENDS) {
  try {
    await backends.use(name);
  } catch (err) {
    console.log(`${name}: did not start (${err.message}); skipped`);
    continue;
  }
  const variants = name === "wasm" && PATHS ? ["imported", "scratch", "js"] : [null];
  if (name === "wasm") console.log(`wasm: SIMD ${simd.wasmSimdSupported() ? "available" : "unavailable (JS loop)"}`);
  for (const n of SIZES) {
    const x = tf.randomNormal([n], 0, 1, "float32", 1);
    const w = tf.randomNormal([n], 0, 1, "float32", 2);
    const ops = [() => tf.mul(x, w)];
    const labels = [];
    for (const c of CASES) {
      for (const v of variants) {
        ops.push(() => {
          if (v !== null) simd.setWasmQuantizePath(v);
          return quantize(x, c.format, c.opts);
        });
        labels.push({ ...c, variant: v });
      }
    }
    const before = tf.memory().numTensors;
    const [mul, ...qs] = await rates(n, ops);
    simd.setWasmQuantizePath("auto");
    if (tf.memory().numTensors !== before) console.log(`WARNING: ${tf.memory().numTensors - before} tensors leaked`);
    // Which path the wasm kernel took, from one more call per case.
    for (const [i, l] of labels.entries()) {
      let pathTaken = "";
      if (name === "wasm") {
        if (l.variant !== null) simd.setWasmQuantizePath(l.variant);
        tf.dispose(quantize(x, l.format, l.opts));
        pathTaken = simd.lastWasmQuantizePath();
        // Which function of quantize.wat (wasm-simd.ts picks one per format and rounding).
        const { exponentBits, mantissaBits, bias, rule } = formats.get(l.format);
        const fn = simd.wasmSimdFunction({ exponentBits, mantissaBits, bias, rule, rounding: l.rounding, saturate: !!l.opts.saturate, seed: 0 });
        if (pathTaken !== "js" && fn) pathTaken += ` (${fn})`;
        simd.setWasmQuantizePath("auto");
      }
      rows.push({ backend: name, n, ...l, path: pathTaken, mul, q: qs[i] });
    }
    tf.dispose([x, w]);
    console.log(`${name} n=2^${Math.log2(n)} done (load average ${load()})`);
  }
}

console.log("");
console.log("Rates are elements per second; the ratio is quantize / mul, by CPU time (wall time for webgpu),");
console.log("with the wall-time ratio beside it. DESIGN.md's target: >= 0.67.");
console.log("");
console.log(`| backend | n | format | rounding | kernel path | quantize elem/s | mul elem/s | ratio | ratio (wall) |`);
console.log(`|---|---|---|---|---|---|---|---|---|`);
for (const r of rows) {
  const by = r.backend === "webgpu" ? "wall" : "cpu";
  const ratio = r.q[by] / r.mul[by];
  const mark = ratio >= 1 / 1.5 ? "" : " (below)";
  console.log(
    `| ${r.backend} | 2^${Math.log2(r.n)} | ${r.label} | ${r.rounding} | ${r.path || "-"} | ${rate(r.q[by])} | ${rate(r.mul[by])} | ` +
      `${ratio.toFixed(2)}${mark} | ${(r.q.wall / r.mul.wall).toFixed(2)} |`,
  );
}
console.log(`\nload average at the end: ${load()}`);
