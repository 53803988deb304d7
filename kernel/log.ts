// Kernel diagnostics go straight to file descriptor 2. process.stderr is redirected to the notebook
// while cells run (and a worker's stderr is forwarded through the main thread), so writing to the fd
// is the only path that can neither reach the user's output nor wait on a busy thread.
import { writeSync } from "node:fs";

const verbose = process.env.TSAMP_DEBUG === "1";

export function log(message: string): void {
  try {
    writeSync(2, `[tsamp] ${message}\n`);
  } catch {
    // stderr closed: nowhere left to report to.
  }
}

export function debug(message: string): void {
  if (verbose) log(message);
}
