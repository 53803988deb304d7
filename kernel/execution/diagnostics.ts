// Type errors shown the way a traceback is: where in the cell, what TypeScript said, the line with a
// caret under the spot.
import type { CellDiagnostic } from "../language/service.js";

export type TypesMode = "strict" | "warn" | "off";

const RED = "\x1b[31m";
const YELLOW = "\x1b[33m";
const CYAN = "\x1b[36m";
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

export function formatDiagnostics(
  source: string,
  diagnostics: CellDiagnostic[],
  executionCount: number,
): { ename: string; evalue: string; traceback: string[] } {
  const lines = source.split("\n");
  const errors = diagnostics.filter((d) => d.category === "error");
  const traceback: string[] = [];
  for (const d of diagnostics) {
    const colour = d.category === "error" ? RED : YELLOW;
    const where = executionCount > 0 ? `Cell [${executionCount}] line ${d.line}:${d.column}` : `line ${d.line}:${d.column}`;
    traceback.push(`${CYAN}${where}${RESET} - ${colour}${d.category} TS${d.code}${RESET}: ${BOLD}${d.message}${RESET}`);
    const text = lines[d.line - 1];
    if (text !== undefined) {
      const gutter = String(d.line).padStart(4);
      const width = d.endLine === d.line ? Math.max(1, d.endColumn - d.column) : Math.max(1, text.length - d.column + 1);
      traceback.push(`${gutter} | ${text}`);
      traceback.push(`${" ".repeat(gutter.length)} | ${" ".repeat(d.column - 1)}${colour}${"~".repeat(width)}${RESET}`);
    }
  }
  const first = errors[0] ?? diagnostics[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more type error${errors.length > 2 ? "s" : ""})` : "";
  return {
    ename: "TSError",
    evalue: `${first.message.split("\n")[0]}${more}`,
    traceback: [...traceback, `${BOLD}TSError${RESET}: type errors stop the cell (%types warn runs it anyway, %types off skips checking)`],
  };
}
