import { parseDiagnostics } from "./cell-diagnostics.js";
import { parseCell } from "./parse-cell.js";

export interface IsCompleteResult {
  status: "complete" | "incomplete" | "invalid";
  /** For "incomplete": the indentation to put on the next line. */
  indent?: string;
}

const MAGIC_LINE = /^\s*%/;
// `?name`, `??name`, `name?`: an inspect request, answered as soon as it is sent.
const HELP_QUERY = /^\s*(\?{1,2}\s*[\p{ID_Start}$_][\p{ID_Continue}$.]*|[\p{ID_Start}$_][\p{ID_Continue}$.]*\s*\?{1,2})\s*$/u;
const INDENT_UNIT = "  ";

/**
 * Whether a console frontend should run the code now or let the user type another line, decided
 * by the TypeScript parser: code whose every syntax error is at its very end was cut off
 * (an unclosed brace, paren, bracket, template or block comment, a trailing operator, a string
 * continued with a backslash) and is incomplete; a syntax error anywhere else makes it invalid.
 */
export function isComplete(code: string): IsCompleteResult {
  const body = code
    .split("\n")
    .map((line) => (MAGIC_LINE.test(line) ? "" : line))
    .join("\n");
  if (body.trim() === "" || HELP_QUERY.test(body)) return { status: "complete" };

  const errors = parseDiagnostics(parseCell("cell.ts", body));
  if (errors.length === 0) return { status: "complete" };
  const end = body.trimEnd().length;
  if (!errors.every((d) => d.start >= end)) return { status: "invalid" };
  // A string literal cannot span lines unless the line ends in a backslash: without one the
  // string is simply unterminated, which no further line can fix.
  const UNTERMINATED_STRING = 1002;
  if (errors.some((d) => d.code === UNTERMINATED_STRING) && !body.trimEnd().endsWith("\\")) return { status: "invalid" };
  return { status: "incomplete", indent: nextIndent(body) };
}

/** The last line's indentation, one level deeper after an opening bracket. */
function nextIndent(body: string): string {
  const lines = body.trimEnd().split("\n");
  const last = lines[lines.length - 1] ?? "";
  const indent = /^\s*/.exec(last)![0];
  return /[{([]\s*$|=>\s*$/.test(last) ? indent + INDENT_UNIT : indent;
}
