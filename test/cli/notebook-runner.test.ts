import { describe, expect, it } from "vitest";
import { KernelDiedError, type ExecuteOptions, type ExecuteResult } from "../../kernel/cli/client-kernel.js";
import { parseRunArgs, UsageError } from "../../kernel/cli/notebook-args.js";
import { parseNotebook, type CodeCell } from "../../kernel/cli/notebook-format.js";
import { describeFailure, runNotebook, stampKernelMetadata, type CellExecutor } from "../../kernel/cli/notebook-runner.js";

type Script = (code: string, options: ExecuteOptions) => Partial<ExecuteResult> & { reply: ExecuteResult["reply"] };

/** A kernel stand-in: each cell's code picks a canned answer. */
function fakeKernel(script: Script): CellExecutor & { ran: string[] } {
  let count = 0;
  const ran: string[] = [];
  return {
    ran,
    kernelInfo: { language_info: { name: "typescript", version: "5.9.3", file_extension: ".ts" } },
    processOutput: () => "kernel log line\n",
    async execute(code, options = {}) {
      ran.push(code);
      count++;
      const result = script(code, options);
      const outputs = options.outputs ?? [];
      outputs.push(...(result.outputs ?? []));
      return { executionCount: count, timedOut: false, ...result, outputs };
    },
  };
}

function notebook(cells: Array<{ source: string; tags?: string[]; type?: "code" | "markdown" }>) {
  return parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "other" } },
      cells: cells.map((c, i) => ({
        id: `c${i}`,
        cell_type: c.type ?? "code",
        source: c.source,
        metadata: c.tags ? { tags: c.tags } : {},
        ...(c.type === "markdown" ? {} : { outputs: [{ output_type: "stream", name: "stdout", text: "stale\n" }], execution_count: 99 }),
      })),
    }),
  );
}

const ok = () => ({ reply: { status: "ok" }, outputs: [{ output_type: "stream" as const, name: "stdout", text: "ran\n" }] });
const error = () => ({ reply: { status: "error", ename: "TypeError", evalue: "bad", traceback: ["\x1b[31mTypeError\x1b[0m: bad", "    at Cell [2], line 1:1"] } });

describe("runNotebook", () => {
  it("runs code cells in order, skipping markdown, empty and skip-execution cells, and reports progress", async () => {
    const nb = notebook([{ source: "# t", type: "markdown" }, { source: "a" }, { source: "  \n" }, { source: "b", tags: ["skip-execution"] }, { source: "c" }]);
    const kernel = fakeKernel(ok);
    const lines: string[] = [];
    const report = await runNotebook(nb, kernel, { timeout: 5, allowErrors: false, progress: (l) => lines.push(l) });
    expect(kernel.ran).toEqual(["a", "c"]);
    expect(report).toEqual({ failure: null, allowedErrors: [], executed: 2 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[1\/2\] ok \d+\.\d\d s$/);
    const cells = nb.cells as CodeCell[];
    expect(cells[1].outputs).toEqual([{ output_type: "stream", name: "stdout", text: "ran\n" }]); // stale output replaced
    expect(cells[1].execution_count).toBe(1);
    expect(cells[4].execution_count).toBe(2);
    expect(cells[3].outputs[0]).toMatchObject({ text: "stale\n" }); // a skipped cell keeps its outputs
    expect(cells[3].execution_count).toBe(99);
  });

  it("stops at the first error, and describes it without ANSI codes", async () => {
    const nb = notebook([{ source: "a" }, { source: "fail()" }, { source: "c" }]);
    const kernel = fakeKernel((code) => (code === "fail()" ? error() : ok()));
    const report = await runNotebook(nb, kernel, { timeout: null, allowErrors: false });
    expect(kernel.ran).toEqual(["a", "fail()"]);
    expect(report.failure).toMatchObject({ cellIndex: 1, position: 2, total: 3, cellId: "c1", kind: "error", ename: "TypeError" });
    const text = describeFailure(report.failure!, nb);
    expect(text).toBe('tsamp run: cell 2 (code cell 2 of 3, id "c1") failed\n  source: fail()\nTypeError: bad\n    at Cell [2], line 1:1\n');
    // the cell after the failure was cleared for this run but not executed
    expect((nb.cells[2] as CodeCell).execution_count).toBeNull();
  });

  it("goes on with --allow-errors, and for cells tagged raises-exception", async () => {
    const nb = notebook([{ source: "fail()", tags: ["raises-exception"] }, { source: "b" }]);
    const kernel = fakeKernel((code) => (code === "fail()" ? error() : ok()));
    const report = await runNotebook(nb, kernel, { timeout: null, allowErrors: false });
    expect(kernel.ran).toEqual(["fail()", "b"]);
    expect(report.failure).toBeNull();
    expect(report.allowedErrors).toHaveLength(1);

    const again = fakeKernel((code) => (code === "b" ? error() : ok()));
    const report2 = await runNotebook(notebook([{ source: "b" }, { source: "c" }]), again, { timeout: null, allowErrors: true });
    expect(again.ran).toEqual(["b", "c"]);
    expect(report2.failure).toBeNull();
  });

  it("passes the timeout and stop_on_error, fails a timed-out cell and marks it", async () => {
    const seen: ExecuteOptions[] = [];
    const nb = notebook([{ source: "slow" }, { source: "next" }]);
    const kernel = fakeKernel((code, options) => {
      seen.push(options);
      return { reply: { status: "error", ename: "KeyboardInterrupt", evalue: "" }, timedOut: true };
    });
    const report = await runNotebook(nb, kernel, { timeout: 1.5, allowErrors: true });
    expect(seen[0]).toMatchObject({ timeoutMs: 1500, stopOnError: false });
    expect(kernel.ran).toEqual(["slow"]);
    expect(report.failure?.kind).toBe("timeout");
    const outputs = (nb.cells[0] as CodeCell).outputs;
    expect(outputs[outputs.length - 1]).toMatchObject({ output_type: "error", ename: "CellTimeoutError" });
    expect(describeFailure(report.failure!, nb)).toMatch(/cell 1 .* timed out/);
  });

  it("reports a dead kernel with the kernel's log", async () => {
    const nb = notebook([{ source: "process.abort()" }]);
    const kernel = fakeKernel(() => {
      throw new KernelDiedError("the kernel exited while running the cell (signal SIGABRT)");
    });
    const report = await runNotebook(nb, kernel, { timeout: null, allowErrors: true });
    expect(report.failure).toMatchObject({ kind: "kernel-died" });
    expect(describeFailure(report.failure!, nb)).toContain("SIGABRT");
    expect(describeFailure(report.failure!, nb)).toContain("kernel log line");
  });

  it("records the kernelspec and language_info", () => {
    const nb = notebook([]);
    stampKernelMetadata(nb, { language_info: { name: "typescript" } });
    expect(nb.metadata.kernelspec).toEqual({ name: "tsamp", display_name: "TypeScript (tsamp)", language: "typescript" });
    expect(nb.metadata.language_info).toEqual({ name: "typescript" });
  });
});

describe("parseRunArgs", () => {
  it("parses the notebook and options", () => {
    expect(parseRunArgs(["nb.ipynb"])).toEqual({ notebook: "nb.ipynb", out: null, html: null, timeout: 600, allowErrors: false, startTimeout: 60 });
    expect(parseRunArgs(["--out", "o.ipynb", "nb.ipynb", "--html=p.html", "--timeout", "0", "--allow-errors"])).toMatchObject({
      notebook: "nb.ipynb",
      out: "o.ipynb",
      html: "p.html",
      timeout: null,
      allowErrors: true,
    });
    expect(parseRunArgs(["nb.ipynb", "-h"])).toBe("help");
  });

  it("refuses bad usage with a message that says what is allowed", () => {
    const err = (args: string[]) => {
      try {
        parseRunArgs(args);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(err([])).toMatch(/which notebook/);
    expect(err(["a", "b"])).toMatch(/one notebook at a time/);
    expect(err(["a", "--fast"])).toMatch(/unknown option --fast; allowed: --out, --html, --timeout/);
    expect(err(["a", "--out"])).toMatch(/--out needs a value/);
    expect(err(["a", "--timeout", "soon"])).toMatch(/--timeout takes a number of seconds/);
    expect(err(["a", "--allow-errors=yes"])).toMatch(/takes no value/);
  });
});
