// `tsamp run` end to end: the built CLI starts the real kernel and executes notebooks written to a
// temp folder. Needs `npm run build` first (it runs dist/kernel/main.js, exactly what users run).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "dist/kernel/main.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tsampRun(args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [MAIN, "run", ...args], { cwd, timeout: 150_000 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const cell = (cell_type: "code" | "markdown", source: string, id: string) =>
  cell_type === "code" ? { cell_type, id, metadata: {}, source, outputs: [], execution_count: null } : { cell_type, id, metadata: {}, source };

function writeNotebook(path: string, cells: object[]): void {
  writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }, null, 1));
}

let dir: string;
beforeAll(() => {
  if (!existsSync(MAIN) || !existsSync(join(ROOT, "dist/kernel/cli/run.js"))) {
    throw new Error("dist/ is missing: run `npm run build` before this test");
  }
  dir = mkdtempSync(join(tmpdir(), "tsamp-run-e2e-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("tsamp run (end to end)", () => {
  it("executes a notebook and saves outputs, counts, kernel metadata and an HTML page", async () => {
    const input = join(dir, "tiny.ipynb");
    writeNotebook(input, [
      cell("markdown", "# Tiny\nA *test* notebook.", "md"),
      cell("code", 'console.log("hi")', "log"),
      cell("code", "6 * 7", "answer"),
      cell("code", 'display.html("<b>x</b>")', "html"),
    ]);
    const before = readFileSync(input, "utf8");
    const run = await tsampRun(["tiny.ipynb", "--out", "tiny.out.ipynb", "--html", "tiny.html"], dir);
    expect(run.stderr).toMatch(/\[1\/3\] ok \d+\.\d\d s/);
    expect(run.stderr).toMatch(/\[3\/3\] ok/);
    expect(run.code).toBe(0);
    expect(readFileSync(input, "utf8")).toBe(before); // --out leaves the input alone

    const nb = JSON.parse(readFileSync(join(dir, "tiny.out.ipynb"), "utf8"));
    expect(nb.metadata.kernelspec).toEqual({ name: "tsamp", display_name: "TypeScript (tsamp)", language: "typescript" });
    expect(nb.metadata.language_info).toMatchObject({ name: "typescript", file_extension: ".ts" });
    const [md, log, answer, html] = nb.cells;
    expect(md.source).toEqual(["# Tiny\n", "A *test* notebook."]);
    expect(md.outputs).toBeUndefined();
    expect(log.execution_count).toBe(1);
    expect(log.outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["hi\n"] }]);
    expect(answer.execution_count).toBe(2);
    expect(answer.outputs).toEqual([{ output_type: "execute_result", execution_count: 2, data: { "text/plain": ["42"] }, metadata: {} }]);
    expect(html.execution_count).toBe(3);
    expect(html.outputs[0]).toMatchObject({ output_type: "display_data", data: { "text/html": ["<b>x</b>"] } });
    expect(nb.cells.map((c: { id: string }) => c.id)).toEqual(["md", "log", "answer", "html"]);

    const page = readFileSync(join(dir, "tiny.html"), "utf8");
    expect(page).toContain('<h1 id="Tiny">Tiny</h1>');
    expect(page).toContain('<div class="output-html"><b>x</b></div>');
    expect(page).toContain("Out[2]:");
  }, 180_000);

  it("stops at a failing cell: exit code 1, the traceback on stderr without colours, the notebook saved in place", async () => {
    const input = join(dir, "fails.ipynb");
    writeNotebook(input, [
      cell("code", "const a = 1;", "first"),
      cell("code", 'function f(): number {\n  throw new TypeError("bad thing");\n}\nf()', "bad"),
      cell("code", "a + 1", "never"),
    ]);
    const run = await tsampRun(["fails.ipynb"], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cell 2 (code cell 2 of 3, id "bad") failed');
    expect(run.stderr).toContain("TypeError: bad thing");
    expect(run.stderr).toMatch(/Cell \[2\], line 2/); // a frame that points at the cell
    expect(run.stderr).not.toContain("\x1b");

    const nb = JSON.parse(readFileSync(input, "utf8"));
    expect(nb.cells[1].execution_count).toBe(2);
    expect(nb.cells[1].outputs).toEqual([expect.objectContaining({ output_type: "error", ename: "TypeError", evalue: "bad thing" })]);
    expect(nb.cells[2].execution_count).toBeNull();
    expect(nb.cells[2].outputs).toEqual([]);
  }, 180_000);

  it("answers usage errors with exit code 2 and no kernel", async () => {
    writeFileSync(join(dir, "broken.ipynb"), "{ not json");
    const broken = await tsampRun(["broken.ipynb"], dir);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.ipynb is not valid JSON/);
    const missing = await tsampRun(["missing.ipynb"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.ipynb does not exist/);
    const flag = await tsampRun(["broken.ipynb", "--fast"], dir);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option --fast; allowed:/);
  });
});
