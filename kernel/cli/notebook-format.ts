// nbformat 4 as `tsamp run` reads and writes it: a .ipynb is JSON; multi-line strings may be stored
// as lists of lines. Reading joins them, writing splits them again the way nbformat does (lines keep
// their "\n", keys sorted, one-space indent), so a notebook saved by tsamp diffs cleanly against one
// saved by Jupyter. Everything tsamp does not understand (cell ids, metadata, attachments, unknown
// fields) is kept as it was.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr" | string;
  text: string;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  data: MimeBundle;
  metadata: Record<string, unknown>;
  execution_count: number | null;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

interface CellBase {
  id?: string;
  /** Always a single string in memory; split into lines only when written. */
  source: string;
  metadata: Record<string, unknown>;
  [key: string]: unknown;
}
export interface CodeCell extends CellBase {
  cell_type: "code";
  execution_count: number | null;
  outputs: Output[];
}
export interface MarkdownCell extends CellBase {
  cell_type: "markdown";
  attachments?: Record<string, MimeBundle>;
}
export interface RawCell extends CellBase {
  cell_type: "raw";
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
  [key: string]: unknown;
}

/** A notebook that cannot be read: the message says what was wrong and what is expected. */
export class NotebookFormatError extends Error {}

/** Mimetypes stored as lists of lines besides text/*, as nbformat does. */
const SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A multi-line string field: a string or a list of strings (joined with nothing, as nbformat does). */
function joinText(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((line) => typeof line === "string")) return value.join("");
  throw new NotebookFormatError(`${where} must be a string or a list of strings`);
}

function joinBundle(data: unknown, where: string): MimeBundle {
  if (data === undefined) return {};
  if (!isObject(data)) throw new NotebookFormatError(`${where} must be an object of mimetype -> value`);
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(data)) {
    out[mime] = Array.isArray(value) && value.every((v) => typeof v === "string") && !isJsonMime(mime) ? value.join("") : value;
  }
  return out;
}

function isJsonMime(mime: string): boolean {
  return mime === "application/json" || mime.endsWith("+json");
}

function readOutput(raw: unknown, where: string): Output {
  if (!isObject(raw)) throw new NotebookFormatError(`${where} must be an object`);
  switch (raw.output_type) {
    case "stream":
      return { ...raw, output_type: "stream", name: String(raw.name ?? "stdout"), text: joinText(raw.text ?? "", `${where}.text`) };
    case "display_data":
      return { ...raw, output_type: "display_data", data: joinBundle(raw.data, `${where}.data`), metadata: isObject(raw.metadata) ? raw.metadata : {} };
    case "execute_result":
      return {
        ...raw,
        output_type: "execute_result",
        data: joinBundle(raw.data, `${where}.data`),
        metadata: isObject(raw.metadata) ? raw.metadata : {},
        execution_count: typeof raw.execution_count === "number" ? raw.execution_count : null,
      };
    case "error":
      return {
        ...raw,
        output_type: "error",
        ename: String(raw.ename ?? ""),
        evalue: String(raw.evalue ?? ""),
        traceback: Array.isArray(raw.traceback) ? raw.traceback.map(String) : [],
      };
    default:
      throw new NotebookFormatError(
        `${where} has output_type ${JSON.stringify(raw.output_type)}; allowed: "stream", "display_data", "execute_result", "error"`,
      );
  }
}

function readCell(raw: unknown, index: number): Cell {
  const where = `cell ${index + 1}`;
  if (!isObject(raw)) throw new NotebookFormatError(`${where} must be an object`);
  const source = joinText(raw.source ?? "", `${where}.source`);
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  switch (raw.cell_type) {
    case "code": {
      const outputs = raw.outputs ?? [];
      if (!Array.isArray(outputs)) throw new NotebookFormatError(`${where}.outputs must be a list`);
      return {
        ...raw,
        cell_type: "code",
        source,
        metadata,
        execution_count: typeof raw.execution_count === "number" ? raw.execution_count : null,
        outputs: outputs.map((o, i) => readOutput(o, `${where}.outputs[${i}]`)),
      };
    }
    case "markdown":
    case "raw": {
      const cell = { ...raw, cell_type: raw.cell_type, source, metadata } as MarkdownCell | RawCell;
      if (cell.cell_type === "markdown" && isObject(raw.attachments)) {
        cell.attachments = Object.fromEntries(
          Object.entries(raw.attachments).map(([name, bundle]) => [name, joinBundle(bundle, `${where}.attachments.${name}`)]),
        );
      }
      return cell;
    }
    default:
      throw new NotebookFormatError(`${where} has cell_type ${JSON.stringify(raw.cell_type)}; allowed: "code", "markdown", "raw"`);
  }
}

/** Parses .ipynb text; throws NotebookFormatError with a message a user can act on. */
export function parseNotebook(text: string, name = "the notebook"): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NotebookFormatError(`${name} is not valid JSON (${(err as Error).message}); a .ipynb file is a JSON document`);
  }
  if (!isObject(raw)) throw new NotebookFormatError(`${name} must be a JSON object with "nbformat", "metadata" and "cells"`);
  if (raw.nbformat !== 4) {
    const found = raw.nbformat === undefined ? "no nbformat field" : `nbformat ${JSON.stringify(raw.nbformat)}`;
    throw new NotebookFormatError(
      `${name} has ${found}; tsamp runs nbformat 4 notebooks (convert older ones with \`jupyter nbconvert --to notebook --nbformat 4\`)`,
    );
  }
  if (!Array.isArray(raw.cells)) throw new NotebookFormatError(`${name} has no "cells" list`);
  const minor = typeof raw.nbformat_minor === "number" ? raw.nbformat_minor : 0;
  const cells = raw.cells.map(readCell);
  // nbformat 4.5 made cell ids required; give missing ones an id the way nbformat does.
  if (minor >= 5) for (const cell of cells) if (typeof cell.id !== "string" || !cell.id) cell.id = randomBytes(4).toString("hex");
  return { ...raw, nbformat: 4, nbformat_minor: minor, metadata: isObject(raw.metadata) ? raw.metadata : {}, cells };
}

export function readNotebook(path: string): Notebook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotebookFormatError(`${path} does not exist`);
    if (code === "EISDIR") throw new NotebookFormatError(`${path} is a folder, not a notebook file`);
    throw new NotebookFormatError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseNotebook(text, path);
}

/** "a\nb\n" -> ["a\n", "b\n"]; "" -> []. Lines keep their newline, as nbformat's split_lines does. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function splitBundle(data: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(data)) {
    out[mime] = typeof value === "string" && (mime.startsWith("text/") || SPLIT_MIMES.has(mime)) ? splitLines(value) : value;
  }
  return out;
}

function toJsonOutput(output: Output): Record<string, unknown> {
  switch (output.output_type) {
    case "stream":
      return { ...output, text: splitLines(output.text) };
    case "display_data":
    case "execute_result":
      return { ...output, data: splitBundle(output.data) };
    default:
      return { ...output };
  }
}

function toJsonCell(cell: Cell): Record<string, unknown> {
  const out: Record<string, unknown> = { ...cell, source: splitLines(cell.source) };
  if (cell.cell_type === "code") out.outputs = cell.outputs.map(toJsonOutput);
  if (cell.cell_type === "markdown" && cell.attachments) {
    out.attachments = Object.fromEntries(Object.entries(cell.attachments).map(([k, v]) => [k, splitBundle(v)]));
  }
  return out;
}

/** Recursively sorts object keys, as nbformat writes with sort_keys=True. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = sortKeys(value[key]);
  return out;
}

/** The .ipynb text: nbformat's layout (indent 1, sorted keys, non-ASCII kept, trailing newline). */
export function serializeNotebook(notebook: Notebook): string {
  const json = { ...notebook, cells: notebook.cells.map(toJsonCell) };
  return JSON.stringify(sortKeys(json), null, 1) + "\n";
}

/** Writes a file so that readers see the old content or the new, never half of it: a temp file in
 * the same folder (same filesystem) renamed over the target. */
export function writeFileAtomic(path: string, content: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let mode: number | null = null;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // a new file: default permissions
  }
  try {
    const fd = openSync(temp, "wx");
    try {
      writeSync(fd, content, null, "utf8");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (mode !== null) chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
}

export function writeNotebook(path: string, notebook: Notebook): void {
  writeFileAtomic(path, serializeNotebook(notebook));
}
