// Line magics: `%name args` lines at the top of a cell. They are taken out of the source (replaced by
// empty lines, so TypeScript positions still match the cell) before type-checking and compiling.

export const MAGICS = {
  time: "%time [code]     run the cell (code may follow on the same line) and report wall and CPU time",
  timeit: "%timeit [code]   run the cell repeatedly and report mean ± std per run",
  backend: "%backend [name]  show the tfjs backend and the available ones, or switch to `name`",
  types: "%types strict|warn|off  whether type errors block the cell (strict), are printed (warn) or not checked",
  who: "%who             list the names your cells declared, with their types",
  reset: "%reset           forget every name your cells declared (and dispose tfjs variables)",
  memory: "%memory          tfjs tensors, bytes and backend memory",
  help: "%help            this list, and how to get help on a name (`?name`)",
} as const;

export type MagicName = keyof typeof MAGICS;

export interface MagicLine {
  name: MagicName;
  args: string;
  /** 0-based line in the cell. */
  line: number;
}

export interface ParsedCell {
  magics: MagicLine[];
  /** The cell with magic lines blanked (or, for `%time code`, replaced by `code`). */
  body: string;
}

export class UnknownMagicError extends Error {
  constructor(name: string) {
    super(`unknown magic %${name}; known magics: ${Object.keys(MAGICS).map((m) => `%${m}`).join(", ")}`);
    this.name = "UsageError";
  }
}

/** Reads leading magic lines (blank and comment lines may sit between them). */
export function parseMagics(source: string): ParsedCell {
  const lines = source.split("\n");
  const magics: MagicLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === "" || text.startsWith("//")) continue;
    const match = /^%%?([A-Za-z_]\w*)\s*(.*)$/.exec(text);
    if (!match) break;
    const name = match[1];
    if (!(name in MAGICS)) throw new UnknownMagicError(name);
    const magic: MagicLine = { name: name as MagicName, args: match[2].trim(), line: i };
    magics.push(magic);
    // `%time expr` / `%timeit expr`: the rest of the line is the code to run, so keep it in place.
    const inline = (magic.name === "time" || magic.name === "timeit") && magic.args !== "";
    lines[i] = inline ? " ".repeat(lines[i].indexOf(magic.args)) + magic.args : "";
    if (inline) break;
  }
  return { magics, body: lines.join("\n") };
}

export function magicsHelp(): string {
  return [
    "tsamp magics (put them on the first lines of a cell):",
    ...Object.values(MAGICS).map((text) => `  ${text}`),
    "",
    "Help on a name: `?name` or `name?` alone in a cell, or Shift+Tab in the editor.",
    "In scope in every cell: tf, display, input, comms, and the tsamp surface (formats, amp, data, models, viz, backends).",
  ].join("\n");
}
