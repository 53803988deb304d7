// Running one cell: magics, type check, compile, evaluate in the kernel's realm. Knows nothing of
// Jupyter messages; the execute handler turns its outcomes into replies.
import vm from "node:vm";
import { performance } from "node:perf_hooks";
import { compileCell, type CellRuntime } from "./transform.js";
import { formatError } from "./stacktrace.js";
import { parseMagics, type MagicLine, magicsHelp, UnknownMagicError } from "./magics.js";
import { formatDiagnostics, type TypesMode } from "./diagnostics.js";
import type { NotebookLanguageService } from "../language/service.js";
import { protect } from "./interrupt-safety.js";

export type CellValue = { hasValue: true; value: unknown } | { hasValue: false };

export type CellOutcome =
  | { status: "ok"; value: CellValue; payload: Array<Record<string, unknown>> }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

/** What the engine needs from the kernel around it. */
export interface EngineHost {
  language(): NotebookLanguageService;
  /** Replace the language service (after %reset). */
  resetLanguage(): void;
  runtime: CellRuntime;
  /** The `tsamp` library once loaded (for %backend and %memory). */
  library(): Promise<LibrarySurface>;
}

/** The parts of the tsamp library that magics use, loosely typed: lib/ may grow. */
export interface LibrarySurface {
  tf: {
    memory(): { numTensors: number; numBytes: number; numDataBuffers: number; unreliable?: boolean };
    getBackend(): string;
    setBackend(name: string): Promise<boolean>;
    disposeVariables(): void;
  };
  backends?: {
    use(name: string): Promise<unknown>;
    current(): string;
    available(): Promise<string[]> | string[];
  };
}

const HELP_QUERY = /^\s*(?:\?\s*([A-Za-z_$][\w$.]*)|([A-Za-z_$][\w$.]*)\s*\?)\s*$/;

export class ExecutionEngine {
  typesMode: TypesMode = "strict";
  /** Every top-level name a cell declared, for %who and %reset. */
  readonly userNames = new Set<string>();
  private uniqueId = 0;

  constructor(private readonly host: EngineHost) {}

  async execute(code: string, executionCount: number): Promise<CellOutcome> {
    const help = HELP_QUERY.exec(code);
    if (help) return this.page(help[1] ?? help[2]);

    let magics: MagicLine[];
    let body: string;
    try {
      ({ magics, body } = parseMagics(code));
    } catch (err) {
      if (err instanceof UnknownMagicError) return { status: "error", ename: err.name, evalue: err.message, traceback: [err.message] };
      throw err;
    }
    let timing: MagicLine | undefined;
    for (const magic of magics) {
      if (magic.name === "time" || magic.name === "timeit") timing = magic;
      else {
        const failure = await this.runMagic(magic);
        if (failure) return failure;
      }
    }
    if (body.trim() === "") return { status: "ok", value: { hasValue: false }, payload: [] };

    const filename = `cell-${executionCount}${executionCount > 0 ? "" : `-${++this.uniqueId}`}.ts`;
    if (this.typesMode !== "off") {
      const diagnostics = protect(() => this.host.language().check(body));
      const errors = diagnostics.filter((d) => d.category === "error");
      if (errors.length > 0) {
        const report = formatDiagnostics(body, diagnostics, executionCount);
        if (this.typesMode === "strict") return { status: "error", ...report };
        process.stderr.write(report.traceback.join("\n") + "\n");
      }
    }
    const compiled = protect(() => compileCell(body, { filename }));
    for (const name of compiled.declaredNames) this.userNames.add(name);
    const run = vm.runInThisContext(compiled.code, { filename }) as (runtime: CellRuntime) => Promise<CellValue>;
    try {
      if (timing?.name === "timeit") return { status: "ok", value: await this.timeit(run), payload: [] };
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      // The cell's declarations exist as soon as it starts, so later cells may use them even if it throws.
      const pending = run(this.host.runtime);
      protect(() => this.host.language().commit(body));
      const value = await pending;
      if (timing) {
        const cpu = process.cpuUsage(cpuStarted);
        process.stdout.write(
          `CPU times: user ${formatDuration(cpu.user / 1000)}, sys ${formatDuration(cpu.system / 1000)}\nWall time: ${formatDuration(performance.now() - started)}\n`,
        );
      }
      return { status: "ok", value, payload: [] };
    } catch (err) {
      return { status: "error", ...formatError(err) };
    }
  }

  /** Evaluates one expression for user_expressions. */
  async evaluate(expression: string): Promise<CellValue> {
    const compiled = compileCell(expression, { filename: `expression-${++this.uniqueId}.ts` });
    const run = vm.runInThisContext(compiled.code) as (runtime: CellRuntime) => Promise<CellValue>;
    return run(this.host.runtime);
  }

  private page(name: string): CellOutcome {
    const info = this.host.language().quickInfo(name, name.length);
    if (!info.found) {
      process.stdout.write(`Object \`${name}\` not found.\n`);
      return { status: "ok", value: { hasValue: false }, payload: [] };
    }
    return {
      status: "ok",
      value: { hasValue: false },
      payload: [{ source: "page", data: { "text/plain": info.plain, "text/markdown": info.markdown }, start: 0 }],
    };
  }

  private async runMagic(magic: MagicLine): Promise<CellOutcome | null> {
    const usage = (message: string): CellOutcome => ({ status: "error", ename: "UsageError", evalue: message, traceback: [message] });
    switch (magic.name) {
      case "types": {
        if (magic.args === "") {
          process.stdout.write(`type checking: ${this.typesMode}\n`);
          return null;
        }
        if (magic.args !== "strict" && magic.args !== "warn" && magic.args !== "off") {
          return usage(`%types takes strict, warn or off, not "${magic.args}"`);
        }
        this.typesMode = magic.args;
        process.stdout.write(`type checking: ${this.typesMode}\n`);
        return null;
      }
      case "help":
        process.stdout.write(magicsHelp() + "\n");
        return null;
      case "who": {
        const names = [...this.userNames].filter((n) => n in globalThis).sort();
        if (names.length === 0) process.stdout.write("No names declared yet.\n");
        for (const name of names) {
          const info = this.host.language().quickInfo(name, name.length);
          process.stdout.write(`${info.found ? info.plain.split("\n")[0] : name}\n`);
        }
        return null;
      }
      case "reset": {
        const lib = await this.host.library();
        for (const name of this.userNames) delete (globalThis as Record<string, unknown>)[name];
        const count = this.userNames.size;
        this.userNames.clear();
        lib.tf.disposeVariables();
        this.host.resetLanguage();
        process.stdout.write(`Forgot ${count} name${count === 1 ? "" : "s"}; tfjs variables disposed.\n`);
        return null;
      }
      case "memory": {
        const { tf } = await this.host.library();
        const m = tf.memory();
        process.stdout.write(
          `backend ${tf.getBackend()}: ${m.numTensors} tensors, ${m.numDataBuffers} data buffers, ${formatBytes(m.numBytes)}${m.unreliable ? " (the backend reports memory unreliably)" : ""}\n`,
        );
        return null;
      }
      case "backend": {
        const lib = await this.host.library();
        if (magic.args === "") {
          const available = lib.backends ? await lib.backends.available() : [lib.tf.getBackend()];
          process.stdout.write(`backend: ${lib.tf.getBackend()} (available: ${available.join(", ")})\n`);
          return null;
        }
        try {
          if (lib.backends) await lib.backends.use(magic.args);
          else if (!(await lib.tf.setBackend(magic.args))) throw new Error(`backend "${magic.args}" failed to start`);
        } catch (err) {
          return usage((err as Error).message);
        }
        process.stdout.write(`backend: ${lib.tf.getBackend()}\n`);
        return null;
      }
      case "time":
      case "timeit":
        return null;
    }
  }

  /** IPython's %timeit: loops per run chosen so one run takes >= 0.2 s, 7 runs, mean ± std. */
  private async timeit(run: (runtime: CellRuntime) => Promise<CellValue>): Promise<CellValue> {
    const runtime = this.host.runtime;
    let loops = 1;
    for (;;) {
      const started = performance.now();
      for (let i = 0; i < loops; i++) await run(runtime);
      const elapsed = performance.now() - started;
      if (elapsed >= 200 || loops >= 1e7) break;
      loops *= elapsed > 0 ? Math.min(10, Math.ceil(220 / elapsed)) : 10;
    }
    const perLoop: number[] = [];
    for (let r = 0; r < 7; r++) {
      const started = performance.now();
      for (let i = 0; i < loops; i++) await run(runtime);
      perLoop.push((performance.now() - started) / loops);
    }
    const mean = perLoop.reduce((a, b) => a + b, 0) / perLoop.length;
    const std = Math.sqrt(perLoop.reduce((a, b) => a + (b - mean) ** 2, 0) / perLoop.length);
    process.stdout.write(
      `${formatDuration(mean)} ± ${formatDuration(std)} per loop (mean ± std. dev. of 7 runs, ${loops} loop${loops === 1 ? "" : "s"} each)\n`,
    );
    return { hasValue: false };
  }
}

export function formatDuration(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  if (ms >= 0.001) return `${(ms * 1000).toFixed(2)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
