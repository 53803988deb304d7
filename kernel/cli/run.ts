// `tsamp run NOTEBOOK.ipynb [--out FILE] [--html FILE] [--timeout SECONDS] [--allow-errors]`:
// executes a notebook headless through the real kernel (started exactly as Jupyter would start it,
// from the kernelspec's argv) and saves it atomically, optionally with an HTML export.
// Exit codes: 0 every cell ran, 1 a cell failed or the kernel died, 2 usage error.
import { statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KernelClient } from "./client-kernel.js";
import { findPlotlyJs, hasPlotlyOutputs, notebookToHtml } from "./html-export.js";
import { kernelJson } from "./install.js";
import { parseRunArgs, RUN_USAGE, UsageError, type RunArgs } from "./notebook-args.js";
import { NotebookFormatError, readNotebook, writeFileAtomic, writeNotebook, type Notebook } from "./notebook-format.js";
import { describeFailure, runNotebook, runnableCells, stampKernelMetadata, type RunReport } from "./notebook-runner.js";

const say = (message: string) => process.stderr.write(`tsamp run: ${message}\n`);

/** The kernel's command line, the one `tsamp install` puts in kernel.json. */
function kernelArgv(): string[] {
  const spec = kernelJson({ where: "user", name: "tsamp", displayName: "TypeScript (tsamp)", interruptMode: "message" }) as {
    argv: string[];
  };
  return spec.argv;
}

/** A file we are about to write: its folder must exist and it must not be a folder itself. */
function checkWritable(flag: string, path: string): void {
  let folder;
  try {
    folder = statSync(dirname(path));
  } catch {
    throw new UsageError(`${flag}: the folder ${dirname(path)} does not exist`);
  }
  if (!folder.isDirectory()) throw new UsageError(`${flag}: ${dirname(path)} is not a folder`);
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${flag}: ${path} is a folder; give a file name`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
  }
}

interface Plan {
  args: RunArgs;
  notebookPath: string;
  out: string;
  html: string | null;
  notebook: Notebook;
}

function plan(argv: string[]): Plan | "help" {
  const args = parseRunArgs(argv);
  if (args === "help") return args;
  const notebookPath = resolve(args.notebook);
  const notebook = readNotebook(notebookPath);
  const out = resolve(args.out ?? notebookPath);
  const html = args.html === null ? null : resolve(args.html);
  checkWritable("--out", out);
  if (html !== null) {
    checkWritable("--html", html);
    if (html === out) throw new UsageError("--html and --out name the same file");
  }
  return { args, notebookPath, out, html, notebook };
}

export async function runNotebookCli(argv: string[]): Promise<number> {
  let p: Plan | "help";
  try {
    p = plan(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tsamp run: ${err.message}\n\n${RUN_USAGE}`);
      return 2;
    }
    if (err instanceof NotebookFormatError) {
      say(err.message);
      return 2;
    }
    throw err;
  }
  if (p === "help") {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  const { args, notebook, notebookPath, out, html } = p;
  const started = performance.now();
  const count = runnableCells(notebook).length;
  say(`${basename(notebookPath)}: ${count} code cell${count === 1 ? "" : "s"} to run`);

  let client: KernelClient;
  try {
    client = await KernelClient.start({ argv: kernelArgv(), cwd: dirname(notebookPath), startTimeoutMs: args.startTimeout * 1000 }, say);
  } catch (err) {
    say(`cannot start the kernel: ${(err as Error).message}`);
    return 1;
  }

  // Ctrl-C: stop the kernel and leave the files as they were.
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    void client.shutdown(0);
  };
  process.on("SIGINT", onSigint);

  let report: RunReport;
  try {
    report = await runNotebook(notebook, client, {
      timeout: args.timeout,
      allowErrors: args.allowErrors,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await client.shutdown();
    process.off("SIGINT", onSigint);
  }
  if (interrupted) {
    say(`interrupted; ${out} was not written`);
    return 130;
  }

  stampKernelMetadata(notebook, client.kernelInfo);
  try {
    writeNotebook(out, notebook);
    if (html !== null) {
      const here = fileURLToPath(new URL(".", import.meta.url));
      const plotlyJs = hasPlotlyOutputs(notebook) ? findPlotlyJs([dirname(notebookPath), here]) : null;
      writeFileAtomic(html, notebookToHtml(notebook, { plotlyJs }));
    }
  } catch (err) {
    say(`cannot write the results: ${(err as Error).message}`);
    return 1;
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const wrote = html === null ? out : `${out} and ${html}`;
  if (report.failure) {
    process.stderr.write(describeFailure(report.failure, notebook));
    say(`stopped after ${report.executed} of ${count} cells in ${seconds} s; wrote ${wrote}`);
    return 1;
  }
  const allowed = report.allowedErrors.length;
  say(`ran ${report.executed} cells in ${seconds} s${allowed ? ` (${allowed} raised errors, allowed)` : ""}; wrote ${wrote}`);
  return 0;
}
