// The running cell: its AbortSignal and who it is. An interrupt aborts the signal, so library code
// that keeps working after the kernel stopped waiting for the cell (a training loop between two
// awaits) can stop at its next safe point; its identity lets library code tell a re-run of a cell
// from a new one (viz sends plotly.js again when the cell that carried it runs again). lib/ reads
// both through globalThis[Symbol.for("tsamp.kernel")].signal and .cell.

/** One execution of a cell: the frontend's cell id when it sends one (JupyterLab does), the code. */
export interface RunningCell {
  /** execute_request's metadata.cellId, when the frontend sends it. */
  readonly id: string | undefined;
  readonly code: string;
  /** The execute_request's msg_id: unique per execution. */
  readonly execution: string;
}

let current = new AbortController();
let cell: RunningCell | null = null;

/** A fresh signal for a cell about to run. */
export function beginCell(running: RunningCell | null = null): AbortSignal {
  current = new AbortController();
  cell = running;
  return current.signal;
}

/** The cell running now (or last run, while its timers and promises still print), null before any. */
export function runningCell(): RunningCell | null {
  return cell;
}

export function abortCell(): void {
  current.abort(Object.assign(new Error("the cell was interrupted"), { name: "KeyboardInterrupt" }));
}

export function cellSignal(): AbortSignal {
  return current.signal;
}
