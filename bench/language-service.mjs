// The notebook language service on its own: check and commit of cells, completion and quick info,
// with the prelude the kernel uses (tf, formats, backends: the tsamp and tfjs typings, ~700
// declaration files). Prints p50/p90 in ms; no assertions (targets: DESIGN.md section 8).
//
//   npm run build && node bench/language-service.mjs [cells=300] [--no-library]
//
// --no-library: a prelude without tsamp's and tfjs's typings (lib.es2023 and @types/node only), to
// see how much of a new cell's cost the library's ~700 declaration files are.
//
// Run it on an idle machine: on a loaded one (see the load average printed) times vary 2-3x.
//
// Rows:
//   new trivial cell    check / commit of `const nI: number = 1; nI + 1`, a new cell each time;
//                       "work when idle": what the service does after commit returns, before the
//                       next request (a build that still does it all in commit shows ~0 there)
//   new tf cell         the same with `const tI = tf.tensor([1, 2]); tI.shape`
//   re-run same cell    the kernel bench's loop (bench/kernel.py): one cell executed again and again
//   check, no commit    cells checked one after another without running (e.g. failing ones)
//   complete/quickInfo  a new text each time (a new program) or the same text (the same program)
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { NotebookLanguageService } = await import(path.join(ROOT, "dist/kernel/language/service.js"));
const { preludeDts } = await import(path.join(ROOT, "dist/kernel/prelude.js"));

const args = process.argv.slice(2);
const NO_LIBRARY = args.includes("--no-library");
const CELLS = Number(args.find((a) => !a.startsWith("--")) ?? 300);
const folder = mkdtempSync(path.join(tmpdir(), "tsamp-bench-ls-"));
const percentile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const time = (f) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const clean = (ls, cell) => {
  const diagnostics = ls.check(cell);
  if (diagnostics.length > 0) throw new Error(`unexpected diagnostics in ${cell}: ${JSON.stringify(diagnostics)}`);
};
const rows = [];
const row = (name, xs) => rows.push(`${name.padEnd(36)} p50 ${percentile(xs, 0.5).toFixed(2).padStart(7)}   p90 ${percentile(xs, 0.9).toFixed(2).padStart(7)}   n=${xs.length}`);

try {
  const t0 = performance.now();
  const ls = new NotebookLanguageService({ cwd: folder, preludeDts: NO_LIBRARY ? preludeDts([]).replace(/^import .*\n/, "export {};\n") : preludeDts(["tf", "formats", "backends"]), fallbackModuleRoots: [ROOT] });
  ls.check("const __w: number = 1;");
  const startup = performance.now() - t0;

  /**
   * Checks then commits each cell (the kernel's execute path), letting the event loop run between
   * cells as the kernel does between requests (the service commits a cell, and prepares the
   * next program when it will be rebuilt from scratch, then); returns [check, commit, idle] times.
   */
  const run = async (cells) => {
    const check = [];
    const commit = [];
    const idle = [];
    for (const cell of cells) {
      check.push(time(() => clean(ls, cell)));
      commit.push(time(() => ls.commit(cell)));
      const t0 = performance.now();
      await new Promise(setImmediate);
      idle.push(performance.now() - t0);
    }
    return [check, commit, idle];
  };
  const trivial = Array.from({ length: CELLS }, (_, i) => `const n${i}: number = 1; n${i} + 1`);
  const [trivialCheck, trivialCommit, trivialIdle] = await run(trivial);
  row("new trivial cell: check", trivialCheck);
  row("new trivial cell: commit", trivialCommit);
  row("new trivial cell: check + commit", trivialCheck.map((c, i) => c + trivialCommit[i]));
  row("new trivial cell: work when idle", trivialIdle);
  if (!NO_LIBRARY) {
    const tensors = Array.from({ length: Math.ceil(CELLS / 3) }, (_, i) => `const t${i} = tf.tensor([1, 2]); t${i}.shape`);
    const [tfCheck, tfCommit, tfIdle] = await run(tensors);
    row("new tf cell: check", tfCheck);
    row("new tf cell: commit", tfCommit);
    row("new tf cell: work when idle", tfIdle);
  }
  const [rerunCheck, rerunCommit] = await run(Array.from({ length: 100 }, () => "const n: number = 1; n + 1"));
  row("re-run same cell: check + commit", rerunCheck.map((c, i) => c + rerunCommit[i]));

  const checkOnly = [];
  for (let i = 0; i < 100; i++) checkOnly.push(time(() => clean(ls, `const m${i}: number = n${i % CELLS} + ${i};`)));
  row("check, no commit", checkOnly);

  const completeNew = [];
  const completeSame = [];
  const completeMember = [];
  const quickInfoNew = [];
  for (let i = 0; i < 60; i++) {
    const text = `const a${i} = Math.flo`;
    completeNew.push(time(() => ls.complete(text, text.length)));
    completeSame.push(time(() => ls.complete(text, text.length)));
    if (!NO_LIBRARY) completeMember.push(time(() => ls.complete(`const b${i} = tf.ten`, `const b${i} = tf.ten`.length)));
    quickInfoNew.push(time(() => ls.quickInfo(`n${i % CELLS} + ${i}`, 2)));
  }
  row("complete Math.flo, new text", completeNew);
  row("complete Math.flo, same text", completeSame);
  if (!NO_LIBRARY) row("complete tf.ten, new text", completeMember);
  row("quickInfo, new text", quickInfoNew);

  // Spot checks, so that a fast but wrong service does not look good.
  if (!NO_LIBRARY && !ls.complete("tf.ten", 6).matches.includes("tensor")) throw new Error("tf.tensor not completed");
  if (ls.quickInfo(`n${CELLS - 1}`, 2).plain !== `const n${CELLS - 1}: number`) throw new Error("quick info of a committed name is wrong");
  if (!NO_LIBRARY && ls.check("const s: string = t0;")[0]?.code !== 2322) throw new Error("a tensor assigned to a string passed");
  const reuse = ls.programReuse?.() ?? { files: "?" };
  ls.dispose();

  console.log(`node ${process.version}, ${CELLS} cells, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`startup (construct + first check)     ${startup.toFixed(0)} ms; program: ${reuse.files} files`);
  console.log(rows.join("\n"));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
