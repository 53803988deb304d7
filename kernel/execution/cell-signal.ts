// The running cell's AbortSignal. An interrupt aborts it, so library code that keeps working after
// the kernel stopped waiting for the cell (a training loop between two awaits) can stop at its next
// safe point: lib/ reads it through globalThis[Symbol.for("tsamp.kernel")].signal.
let current = new AbortController();

/** A fresh signal for a cell about to run. */
export function beginCell(): AbortSignal {
  current = new AbortController();
  return current.signal;
}

export function abortCell(): void {
  current.abort(Object.assign(new Error("the cell was interrupted"), { name: "KeyboardInterrupt" }));
}

export function cellSignal(): AbortSignal {
  return current.signal;
}
