// GPU checks (DESIGN.md section 9): on each GPU backend present (webgpu; tensorflow-gpu when
// @tensorflow/tfjs-node-gpu is installed; wasm as the CPU reference), with tsamp's built library:
//   1. the adapter (webgpu) and what the backend is,
//   2. every row of every shared/vectors file, all three columns, bit for bit,
//   3. seeded stochastic rounding equal to the cpu kernel's (the same counter-based draws),
//   4. quantize throughput (elements/s) beside a same-size tf.mul on the same backend.
// Run through bench/gpu-check.sh (which reports the node binary), from the repository after
// `npm run build`, or from the bundle bench/gpu-check-bundle.sh makes.
//   node bench/gpu-check.mjs [--backends=webgpu,tensorflow-gpu,wasm] [--sizes=1048576,16777216] [--quick]
// Exit status: 0 when every check passed on every backend that started, 1 otherwise, 2 when no
// GPU backend started at all.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeOp } from "./op-timing.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};
const QUICK = process.argv.includes("--quick");
const SIZES = arg("sizes", QUICK ? "1048576" : "1048576,16777216").split(",").map(Number);
const REQUESTED = arg("backends", "webgpu,tensorflow-gpu,wasm").split(",");

if (!existsSync(path.join(ROOT, "dist/lib/tf.js"))) {
  console.error(`gpu-check: ${ROOT}/dist is missing: run npm run build first (or use the bundle)`);
  process.exit(1);
}
const tf = await import(path.join(ROOT, "dist/lib/tf.js"));
const { backends } = await import(path.join(ROOT, "dist/lib/backends/index.js"));
const { probeAdapter } = await import(path.join(ROOT, "dist/lib/backends/webgpu.js"));
const { resolvePackage } = await import(path.join(ROOT, "dist/lib/backends/packages.js"));
const { quantize } = await import(path.join(ROOT, "dist/lib/formats/index.js"));
const { hasQuantizeKernel } = await import(path.join(ROOT, "dist/lib/formats/kernels/register.js"));

// ---------------------------------------------------------------------------------------- vectors
const VECTOR_DIRS = [process.env.TSAMP_VECTORS, path.join(ROOT, "vectors"), path.join(ROOT, "../shared/vectors")];
const VECTOR_DIR = VECTOR_DIRS.find((d) => d && existsSync(d));
const COLUMNS = {
  nearest_even: { rounding: "nearest-even", saturate: false },
  nearest_even_saturate: { rounding: "nearest-even", saturate: true },
  toward_zero: { rounding: "toward-zero", saturate: false },
};
const NAN = 0x7fc00000;
const isNan = (b) => (b & 0x7fffffff) >>> 0 > 0x7f800000;
const hex = (b) => (b >>> 0).toString(16).padStart(8, "0");

function loadVectors() {
  if (VECTOR_DIR === undefined) return [];
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const raw = JSON.parse(readFileSync(path.join(VECTOR_DIR, f), "utf8"));
      const cell = (c) => (c === "nan" ? null : parseInt(c, 16) >>> 0);
      const inputs = Uint32Array.from(raw.cases, (r) => cell(r[0]) ?? NAN);
      const expected = Object.fromEntries(Object.keys(COLUMNS).map((c, j) => [c, raw.cases.map((r) => cell(r[j + 1]))]));
      return { format: raw.format, inputs, expected };
    });
}

// ----------------------------------------------------------------------------------------- helpers
async function bitsOf(t) {
  const v = await t.data();
  return new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

async function quantizeBits(input, format, opts) {
  const x = tf.tensor1d(new Float32Array(input.slice().buffer), "float32");
  const y = quantize(x, format, opts);
  const out = await bitsOf(y);
  tf.dispose([x, y]);
  return out;
}

/** WebGPU reports shader and validation errors asynchronously and tfjs does not listen: we do. */
async function withGpuErrors(name, f) {
  const device = name === "webgpu" ? tf.backend().device : undefined;
  device?.pushErrorScope("validation");
  device?.pushErrorScope("out-of-memory");
  device?.pushErrorScope("internal");
  try {
    return await f();
  } finally {
    if (device) {
      const errors = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()].filter(Boolean);
      for (const e of errors) console.log(`  GPU ERROR: ${e.message}`);
      if (errors.length > 0) failures.push(`${name}: GPU errors: ${errors.map((e) => e.message).join("; ")}`);
    }
  }
}

function edgeInputs(n, seed) {
  const out = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s & 0x80000000) | (((s >>> 8) % 255) << 23) | (Math.imul(s, 0x9e3779b1) >>> 9)) >>> 0;
  }
  out.set([0, 0x80000000, 0x7f800000, 0xff800000, NAN, 1, 0x807fffff, 0x00800000, 0x7f7fffff]);
  return out;
}

const failures = [];
const fmtRate = (r) => (r >= 1e9 ? `${(r / 1e9).toFixed(2)} G` : `${(r / 1e6).toFixed(1)} M`) + "elem/s";

// ------------------------------------------------------------------------------------------ checks
async function checkVectors(name, files) {
  let rows = 0;
  let bad = 0;
  for (const v of files) {
    for (const [column, opts] of Object.entries(COLUMNS)) {
      const got = await quantizeBits(v.inputs, v.format, opts);
      v.expected[column].forEach((want, i) => {
        rows++;
        const ok = want === null ? isNan(got[i]) : got[i] === want;
        if (!ok) {
          bad++;
          if (bad <= 10) console.log(`  MISMATCH ${v.format} ${column} row ${i}: input ${hex(v.inputs[i])} want ${want === null ? "nan" : hex(want)} got ${hex(got[i])}`);
        }
      });
    }
  }
  console.log(`  vectors: ${files.length} files, ${rows} cells, ${bad} mismatches`);
  if (bad > 0) failures.push(`${name}: ${bad} vector mismatches`);
  if (files.length === 0) failures.push(`${name}: no vector files found (looked in ${VECTOR_DIRS.filter(Boolean).join(", ")})`);
}

async function checkStochastic(name) {
  const input = edgeInputs(65_537, 17);
  const cases = ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2fnuz", "float4_e2m1fn"].flatMap((format) =>
    [false, true].map((saturate) => ({ format, opts: { rounding: "stochastic", saturate, seed: 2 ** 33 + 5 } })),
  );
  await backends.use("cpu");
  const want = [];
  for (const c of cases) want.push(await quantizeBits(input, c.format, c.opts));
  await backends.use(name);
  let bad = 0;
  for (const [k, c] of cases.entries()) {
    const got = await quantizeBits(input, c.format, c.opts);
    for (let i = 0; i < got.length; i++) {
      if (got[i] !== want[k][i]) {
        bad++;
        if (bad <= 5) console.log(`  STOCHASTIC MISMATCH ${c.format} saturate=${c.opts.saturate} i=${i}: in ${hex(input[i])} cpu ${hex(want[k][i])} got ${hex(got[i])}`);
      }
    }
  }
  console.log(`  stochastic (seeded) vs the cpu kernel: ${cases.length} cases x ${input.length} elements, ${bad} mismatches`);
  if (!hasQuantizeKernel(name)) {
    // The composite fallback draws 24 bits, the kernels 32: below the smallest subnormal they may differ.
    console.log(`  (no TsampQuantize kernel on ${name}: the composite fallback ran; mismatches are informational)`);
  } else if (bad > 0) {
    failures.push(`${name}: ${bad} stochastic mismatches against the cpu kernel`);
  }
}

/**
 * Elements per second of each op, measured side by side: a timed run does `iters` calls (each
 * result disposed once the next exists) and then waits for the device by reading one element of the
 * last result. `iters` doubles until a run takes 300 ms; then three rounds run every op in turn and
 * each op's best round counts, so load that comes and goes hits them alike.
 */
async function rates(n, ops) {
  const run = async (op, iters) => (await timeOp(tf, op, iters)).wall;
  const iters = [];
  for (const op of ops) {
    await run(op, 2); // compile and warm
    let k = 1;
    while ((await run(op, k)) < 300 && k < 4096) k *= 2;
    iters.push(k);
  }
  const best = ops.map(() => Infinity);
  for (let round = 0; round < 3; round++) {
    for (const [i, op] of ops.entries()) best[i] = Math.min(best[i], await run(op, iters[i]));
  }
  return best.map((ms, i) => (n * iters[i]) / (ms / 1000));
}

async function throughput() {
  const cases = [
    ["fp16", "float16", {}],
    ["bf16 stochastic", "bfloat16", { rounding: "stochastic", seed: 3 }],
    ["e4m3 saturate", "float8_e4m3fn", { saturate: true }],
  ];
  for (const n of SIZES) {
    const x = tf.randomNormal([n], 0, 100, "float32", 1);
    const w = tf.randomNormal([n], 0, 1, "float32", 2);
    const [mul, ...qs] = await rates(n, [() => tf.mul(x, w), ...cases.map(([, f, o]) => () => quantize(x, f, o))]);
    const parts = qs.map((q, i) => `quantize ${cases[i][0]} ${fmtRate(q)} (${(q / mul).toFixed(2)}x mul)`);
    console.log(`  n=${n}: mul ${fmtRate(mul)}; ${parts.join("; ")}`);
    tf.dispose([x, w]);
  }
}

// -------------------------------------------------------------------------------------------- main
console.log(`gpu-check: node ${process.version} at ${process.execPath} (${process.platform}-${process.arch}); tfjs ${tf.version_core}`);
console.log(`gpu-check: library ${path.join(ROOT, "dist/lib")}; vectors ${VECTOR_DIR ?? "NOT FOUND"}`);
const files = loadVectors();
let gpuStarted = 0;

for (const name of REQUESTED) {
  console.log(`\n== ${name}`);
  if (name === "tensorflow-gpu" && resolvePackage("@tensorflow/tfjs-node-gpu") === null) {
    console.log("  not installed (@tensorflow/tfjs-node-gpu: install.sh --gpu); skipped");
    continue;
  }
  if (name === "webgpu") {
    try {
      const info = await probeAdapter();
      console.log(`  adapter: ${info === null ? "none" : JSON.stringify(info)}`);
      if (info?.software) console.log("  (a CPU adapter: backends.auto() would pick wasm here)");
    } catch (err) {
      console.log(`  adapter probe failed: ${err.message}`);
    }
  }
  try {
    const t0 = performance.now();
    await backends.use(name);
    console.log(`  started in ${(performance.now() - t0).toFixed(0)} ms; tf.getBackend() = ${tf.getBackend()}`);
  } catch (err) {
    console.log(`  did not start: ${err.message}`);
    if (name !== "wasm") failures.push(`${name}: did not start`);
    continue;
  }
  if (name !== "wasm") gpuStarted++;
  try {
    await withGpuErrors(name, async () => {
      await checkVectors(name, files);
      await checkStochastic(name);
      await throughput();
    });
  } catch (err) {
    console.log(`  FAILED: ${err.stack ?? err.message}`);
    failures.push(`${name}: ${err.message}`);
  }
}

console.log(`\ngpu-check: ${failures.length === 0 ? "all checks passed" : `FAILED:\n  ${failures.join("\n  ")}`}`);
process.exit(failures.length > 0 ? 1 : gpuStarted === 0 ? 2 : 0);
