/**
 * A cell that cannot be compiled (a syntax error). Thrown by compileCell so that the kernel shows
 * it like any other error; stacktrace.formatError renders the cell line with a caret.
 */
export class CellCompileError extends SyntaxError {
  override name = "SyntaxError";

  constructor(
    message: string,
    /** The cell's file name, e.g. "cell-7.ts". */
    readonly filename: string,
    /** 1-based position in the cell. */
    readonly line: number,
    readonly column: number,
    readonly source: string,
  ) {
    super(message);
  }
}
