/**
 * The few ANSI styles tracebacks use. Jupyter frontends render them (IPython's tracebacks are
 * coloured the same way); `plain` turns them off for logs and tests.
 */
export interface Styles {
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const wrap = (open: string) => (s: string) => (s === "" ? s : `\x1b[${open}m${s}\x1b[0m`);

export const colored: Styles = {
  red: wrap("31"),
  green: wrap("32"),
  cyan: wrap("36"),
  bold: wrap("1"),
  dim: wrap("2"),
};

const same = (s: string) => s;
export const plain: Styles = { red: same, green: same, cyan: same, bold: same, dim: same };
