// Progress outside Jupyter: a bar on stderr redrawn in place (\r) when it is a terminal, or one
// line per tenth of the work (and at least every 30 s) when it is a file or a pipe, so CI logs
// stay readable.
import type { Clock } from "./clock.js";
import { progressLine, textBar, type ProgressState } from "./progress.js";

export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 30_000;

export class TerminalProgress {
  readonly #stream: TextStream;
  readonly #clock: Clock;
  readonly #title: string;
  #lastDraw = -Infinity;
  #lastTenth = -1;
  #drawnWidth = 0;

  constructor(stream: TextStream, clock: Clock, title: string) {
    this.#stream = stream;
    this.#clock = clock;
    this.#title = title;
  }

  get isTTY(): boolean {
    return this.#stream.isTTY === true;
  }

  #line(p: ProgressState, extra: string): string {
    const fraction = p.total ? p.done / p.total : p.finished ? 1 : null;
    const bar = fraction === null ? "" : `${textBar(fraction)} `;
    return `${this.#title} ${bar}${progressLine(p)}${extra ? ` · ${extra}` : ""}`;
  }

  /** Called on every step; draws when it is time. `extra` is e.g. "loss 0.3412". */
  update(p: ProgressState, extra: string): void {
    const now = this.#clock.now();
    if (this.isTTY) {
      if (now - this.#lastDraw < TTY_INTERVAL_MS) return;
      this.#lastDraw = now;
      const width = Math.max(20, (this.#stream.columns ?? 100) - 1);
      let line = this.#line(p, extra);
      if (line.length > width) line = line.slice(0, width - 1) + "…";
      const pad = Math.max(0, this.#drawnWidth - line.length);
      this.#stream.write(`\r${line}${" ".repeat(pad)}`);
      this.#drawnWidth = line.length;
      return;
    }
    const tenth = p.total ? Math.floor((10 * p.done) / p.total) : -1;
    const due = p.total ? tenth > this.#lastTenth : now - this.#lastDraw >= LOG_INTERVAL_MS;
    if (!due && now - this.#lastDraw < LOG_INTERVAL_MS) return;
    if (p.total && tenth >= 10) return; // the finish line says it
    this.#lastTenth = Math.max(this.#lastTenth, tenth);
    this.#lastDraw = now;
    this.#stream.write(`${this.#line(p, extra)}\n`);
  }

  /** The final line, then the summary. */
  finish(p: ProgressState, extra: string, summary: string): void {
    const line = this.#line(p, extra);
    if (this.isTTY) {
      const pad = Math.max(0, this.#drawnWidth - line.length);
      this.#stream.write(`\r${line}${" ".repeat(pad)}\n`);
    } else {
      this.#stream.write(`${line}\n`);
    }
    this.#drawnWidth = 0;
    this.#lastTenth = -1;
    this.#lastDraw = -Infinity;
    if (summary) this.#stream.write(`${summary}\n`);
  }
}
