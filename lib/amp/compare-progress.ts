// What amp.compare shows while it runs: one line per finished run ("float32: 90 steps - loss 1.11
// - accuracy 0.61 - ... - 20.1s"), and for the run in progress its step, loss and rate. In Jupyter
// this is one output updated in place (a display id, at most a few times a second), so a cell that
// trains for minutes shows where it is; outside Jupyter the finished lines are printed as they come.
import { DISPLAY } from "../display-symbol.js";
import { kernelServices, type KernelDisplayHandle } from "../viz/kernel-link.js";
import { escapeHtml } from "../viz/text.js";

const INTERVAL_MS = 300;

export class CompareProgress {
  readonly #lines: string[] = [];
  readonly #handle: KernelDisplayHandle | null;
  #current = "";
  #last = 0;

  constructor() {
    const kernel = kernelServices();
    this.#handle = kernel === null ? null : kernel.display(this.#snapshot(), { id: true });
  }

  /** A step of the run in progress: redrawn when the last redraw is old enough. */
  step(run: string, step: number, total: number | null, loss: number, startedAt: number): void {
    if (this.#handle === null) return;
    const now = performance.now();
    if (now - this.#last < INTERVAL_MS) return;
    const rate = (step + 1) / Math.max(1e-9, (now - startedAt) / 1000);
    const of = total === null ? `step ${step + 1}` : `step ${step + 1}/${total}`;
    this.#current = `${run}: ${of} - loss ${Number.isFinite(loss) ? loss.toPrecision(4) : String(loss)} - ${rate.toFixed(1)} steps/s`;
    this.#redraw(now);
  }

  /** A finished run's summary line. */
  done(line: string): void {
    this.#lines.push(line);
    this.#current = "";
    if (this.#handle === null) console.log(line);
    else this.#redraw(performance.now());
  }

  #redraw(now: number): void {
    this.#last = now;
    this.#handle!.update(this.#snapshot());
  }

  #snapshot(): object {
    const text = [...this.#lines, ...(this.#current ? [this.#current] : [])].join("\n");
    return {
      [DISPLAY]: () => ({
        "text/plain": text,
        "text/html": `<pre class="tsamp-compare-progress" style="margin:0">${escapeHtml(text)}</pre>`,
      }),
    };
  }
}
