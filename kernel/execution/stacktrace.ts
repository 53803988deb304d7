import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { colored, plain, type Styles } from "./ansi.js";
import { CellCompileError } from "./compile-error.js";
import { cellLabel, cells, type CellRegistry } from "./cell-registry.js";
import { parseStack, type StackFrame } from "./stack-frames.js";

export { CellRegistry, cells, cellLabel } from "./cell-registry.js";

/** An error as Jupyter's `error` message and execute_reply carry it. */
export interface FormattedError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface FormatErrorOptions {
  /** Where cells are looked up; compileCell records every cell in `cells`. */
  registry?: CellRegistry;
  /** ANSI colours (default true: Jupyter frontends render them). */
  color?: boolean;
}

// tsamp's own kernel code (this folder's parent, in the sources or in dist/) is machinery between
// the user and their error: its frames are dropped, as are node's internals. Other code (the
// tsamp library, packages) is shown dimmed: an error may well start there.
const KERNEL_DIR = fileURLToPath(new URL("../", import.meta.url));
const KERNEL_URL = new URL("../", import.meta.url).href;
const MAX_CAUSES = 3;

/**
 * A Jupyter traceback for anything a cell threw: the error line, the stack with frames in cells
 * mapped back to `Cell [7], line 4:5` (node internals and the kernel's own frames left out, other
 * code dimmed), and the cell line of the innermost cell frame with a caret under the column.
 */
export function formatError(err: unknown, opts: FormatErrorOptions = {}): FormattedError {
  const registry = opts.registry ?? cells;
  const s = opts.color === false ? plain : colored;

  if (err instanceof CellCompileError) {
    const traceback = [`${s.red(s.bold(err.name))}: ${err.message}`, ""];
    traceback.push(...excerpt(s, cellLabel(err.filename), err.source, err.line, err.column));
    return { ename: err.name, evalue: err.message, traceback };
  }
  if (!isErrorLike(err)) {
    // `throw "boom"`, `throw { code: 1 }`: there is no stack to show, only the value.
    const evalue = inspect(err, { depth: 2, breakLength: Infinity });
    return { ename: "Uncaught", evalue, traceback: [`${s.red(s.bold("Uncaught"))} ${evalue}`] };
  }

  const ename = errorName(err);
  const evalue = String(err.message ?? "");
  const traceback = describe(err, s, registry, true);
  let cause: unknown = err.cause;
  for (let depth = 0; cause !== undefined && depth < MAX_CAUSES; depth++) {
    traceback.push("", s.bold("Caused by:"));
    if (isErrorLike(cause)) {
      traceback.push(...describe(cause, s, registry, false));
      cause = cause.cause;
    } else {
      traceback.push(inspect(cause, { depth: 2, breakLength: Infinity }));
      break;
    }
  }
  return { ename, evalue, traceback };
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
  errors?: unknown;
}

// Duck-typed, not `instanceof Error`: errors made in another realm (a vm context, a worker's
// structured clone) are not instances of this realm's Error.
function isErrorLike(value: unknown): value is ErrorLike {
  if (value instanceof Error) return true;
  return typeof value === "object" && value !== null && "message" in value && typeof (value as ErrorLike).stack === "string";
}

function errorName(err: ErrorLike): string {
  if (typeof err.name === "string" && err.name !== "") return err.name;
  const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === "string" && ctor !== "" ? ctor : "Error";
}

/** Header line, frames, and the excerpt of the innermost cell frame. */
function describe(err: ErrorLike, s: Styles, registry: CellRegistry, withExcerpt: boolean): string[] {
  const lines = [`${s.red(s.bold(errorName(err)))}: ${String(err.message ?? "")}`];
  if (Array.isArray(err.errors)) {
    // AggregateError: name what it aggregates.
    for (const inner of err.errors.slice(0, 10)) {
      const text = isErrorLike(inner) ? `${errorName(inner)}: ${String(inner.message ?? "")}` : inspect(inner);
      lines.push(`    ${s.dim("-")} ${text}`);
    }
  }
  const frames = typeof err.stack === "string" ? parseStack(err.stack) : [];
  let innermost: { label: string; source: string; line: number; column: number } | undefined;
  for (const frame of frames) {
    if (isInternal(frame)) continue;
    const cell = registry.get(frame.file);
    const position = cell?.positions.toCell(frame.line, frame.column);
    if (cell && position) {
      const label = cellLabel(cell.filename);
      const where = s.green(`${label}, line ${position.line}:${position.column}`);
      lines.push(`    at ${frameName(frame) ? `${frameName(frame)} (${where})` : where}`);
      innermost ??= { label, source: cell.source, ...position };
    } else if (cell) {
      // A frame in the lines the compiler wraps around a cell: no user code there.
      continue;
    } else {
      lines.push(s.dim(`    at ${frame.raw}`));
    }
  }
  if (withExcerpt && innermost) {
    lines.push("", ...excerpt(s, innermost.label, innermost.source, innermost.line, innermost.column));
  }
  return lines;
}

/** A cell's anonymous wrapper function has no name worth showing. */
function frameName(frame: StackFrame): string {
  return frame.functionName === "async" ? "" : frame.functionName;
}

function isInternal(frame: StackFrame): boolean {
  const file = frame.file;
  // Frames without a file are built-ins (`Array.map (<anonymous>)`, `async Promise.all (index 0)`).
  if (file === "") return true;
  return (
    file.startsWith("node:") ||
    file.startsWith("internal/") ||
    file.startsWith(KERNEL_DIR) ||
    file.startsWith(KERNEL_URL)
  );
}

/** `Cell [7], line 4:5`, the line, and a caret under the column. */
function excerpt(s: Styles, label: string, source: string, line: number, column: number): string[] {
  const text = source.split("\n")[line - 1];
  const lines = [s.green(`${label}, line ${line}:${column}`)];
  if (text === undefined) return lines;
  const gutter = `${line} | `;
  // Keep tabs in the padding so the caret lands under the same character.
  const pad = text.slice(0, column - 1).replace(/[^\t]/g, " ");
  lines.push(`${s.dim(gutter)}${text.replace(/\s+$/, "")}`);
  lines.push(`${" ".repeat(gutter.length)}${pad}${s.red(s.bold("^"))}`);
  return lines;
}
