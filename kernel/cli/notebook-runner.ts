// Runs a notebook's code cells in order on a kernel client, as nbclient does: outputs and execution
// counts go into the cells, the notebook's metadata learns the kernel and language, and the run stops
// at the first error unless errors are allowed (--allow-errors, or a cell tagged "raises-exception").
// Cells tagged "skip-execution" and empty cells are left alone.
import type { ExecuteOptions, ExecuteResult } from "./client-kernel.js";
import { KernelDiedError } from "./client-kernel.js";
import { stripAnsi } from "./html-ansi.js";
import type { CodeCell, Notebook, Output } from "./notebook-format.js";

/** What the runner needs from a kernel client (KernelClient, or a fake in tests). */
export interface CellExecutor {
  kernelInfo: Record<string, unknown>;
  execute(code: string, options?: ExecuteOptions): Promise<ExecuteResult>;
  /** The kernel process's own recent log, shown when it dies. */
  processOutput(): string;
}

export interface RunNotebookOptions {
  /** Per-cell limit in seconds; null for none. */
  timeout: number | null;
  allowErrors: boolean;
  /** One line per cell: "[3/12] ok 0.42 s". */
  progress?: (line: string) => void;
}

export interface CellFailure {
  /** 0-based index in notebook.cells. */
  cellIndex: number;
  /** 1-based position among the code cells that run, and their count. */
  position: number;
  total: number;
  cellId: string | undefined;
  kind: "error" | "timeout" | "kernel-died";
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface RunReport {
  /** Cells that raised and stopped the run (at most one) or were allowed to raise. */
  failure: CellFailure | null;
  allowedErrors: CellFailure[];
  executed: number;
}

export const KERNELSPEC = { name: "tsamp", display_name: "TypeScript (tsamp)", language: "typescript" };

function tags(cell: CodeCell): string[] {
  const value = cell.metadata.tags;
  return Array.isArray(value) ? value.map(String) : [];
}

/** The code cells that will run, in order. */
export function runnableCells(notebook: Notebook): Array<{ cell: CodeCell; index: number }> {
  const out: Array<{ cell: CodeCell; index: number }> = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type === "code" && cell.source.trim() !== "" && !tags(cell).includes("skip-execution")) out.push({ cell, index });
  });
  return out;
}

/** Turns a reply's "page" payload (`?name` help) into an output, as JupyterLab shows it inline. */
function pagePayloads(reply: Record<string, unknown>): Output[] {
  const payload = Array.isArray(reply.payload) ? reply.payload : [];
  return payload
    .filter((p): p is { source: string; data: Record<string, unknown> } => typeof p === "object" && p !== null && p.source === "page" && typeof p.data === "object" && p.data !== null)
    .map((p) => ({ output_type: "display_data", data: p.data, metadata: {} }));
}

export async function runNotebook(notebook: Notebook, client: CellExecutor, options: RunNotebookOptions): Promise<RunReport> {
  const cells = runnableCells(notebook);
  // Like "Restart & Run All": what will run starts blank, so the saved notebook shows this run only.
  for (const { cell } of cells) {
    cell.outputs = [];
    cell.execution_count = null;
  }
  const report: RunReport = { failure: null, allowedErrors: [], executed: 0 };
  const progress = options.progress ?? (() => {});
  for (const [n, { cell, index }] of cells.entries()) {
    const label = `[${n + 1}/${cells.length}]`;
    const started = performance.now();
    const elapsed = () => `${((performance.now() - started) / 1000).toFixed(2)} s`;
    const failure = (kind: CellFailure["kind"], ename: string, evalue: string, traceback: string[]): CellFailure => ({
      cellIndex: index,
      position: n + 1,
      total: cells.length,
      cellId: cell.id,
      kind,
      ename,
      evalue,
      traceback,
    });
    let result: ExecuteResult;
    try {
      result = await client.execute(cell.source, {
        outputs: cell.outputs,
        timeoutMs: options.timeout === null ? undefined : options.timeout * 1000,
        stopOnError: !options.allowErrors,
      });
    } catch (err) {
      if (!(err instanceof KernelDiedError)) throw err;
      progress(`${label} kernel failed ${elapsed()}`);
      const log = client.processOutput().trimEnd();
      report.failure = failure("kernel-died", "KernelError", err.message, log ? ["kernel log (last lines):", ...log.split("\n").slice(-30)] : []);
      return report;
    }
    report.executed++;
    cell.execution_count = result.executionCount;
    cell.outputs.push(...pagePayloads(result.reply));
    const reply = result.reply;
    if (result.timedOut) {
      progress(`${label} timeout ${elapsed()}`);
      const limit = `the cell ran longer than --timeout ${options.timeout} s and was interrupted`;
      cell.outputs.push({ output_type: "error", ename: "CellTimeoutError", evalue: limit, traceback: [`CellTimeoutError: ${limit}`] });
      report.failure = failure("timeout", "CellTimeoutError", limit, []);
      return report;
    }
    if (reply.status === "ok") {
      progress(`${label} ok ${elapsed()}`);
      continue;
    }
    const ename = reply.status === "aborted" ? "Aborted" : String(reply.ename ?? "Error");
    const evalue = reply.status === "aborted" ? "the kernel aborted the cell" : String(reply.evalue ?? "");
    const traceback = Array.isArray(reply.traceback) ? reply.traceback.map(String) : [];
    const failed = failure("error", ename, evalue, traceback);
    if (options.allowErrors || tags(cell).includes("raises-exception")) {
      progress(`${label} error (allowed) ${elapsed()}: ${stripAnsi(`${ename}: ${evalue}`).split("\n")[0]}`);
      report.allowedErrors.push(failed);
      continue;
    }
    progress(`${label} error ${elapsed()}`);
    report.failure = failed;
    return report;
  }
  return report;
}

/** Records which kernel ran the notebook: kernelspec, and language_info from kernel_info_reply. */
export function stampKernelMetadata(notebook: Notebook, kernelInfo: Record<string, unknown>): void {
  notebook.metadata.kernelspec = { ...KERNELSPEC };
  const info = kernelInfo.language_info;
  if (typeof info === "object" && info !== null) notebook.metadata.language_info = info;
}

/** The failure as a plain-text report for stderr: which cell, the error, its traceback without colours. */
export function describeFailure(failure: CellFailure, notebook: Notebook): string {
  const id = failure.cellId ? `, id "${failure.cellId}"` : "";
  const where = `cell ${failure.cellIndex + 1} (code cell ${failure.position} of ${failure.total}${id})`;
  const cell = notebook.cells[failure.cellIndex];
  const firstLine = cell?.source.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
  const headline =
    failure.kind === "timeout"
      ? `tsamp run: ${where} timed out`
      : failure.kind === "kernel-died"
        ? `tsamp run: the kernel failed while running ${where}`
        : `tsamp run: ${where} failed`;
  const source = `  source: ${firstLine.length > 100 ? firstLine.slice(0, 97) + "..." : firstLine}`;
  const error = stripAnsi(`${failure.ename}: ${failure.evalue}`);
  const traceback = failure.traceback.map((frame) => stripAnsi(frame)).join("\n").trimEnd();
  // Tracebacks usually restate "ename: evalue"; then the traceback alone says it all.
  const lines = [headline, source, ...(traceback.includes(error) ? [] : [error]), ...(traceback ? [traceback] : [])];
  return lines.join("\n") + "\n";
}
