// The interpreter's end of the bridge: starts the server thread and offers typed send/receive.
import { Worker } from "node:worker_threads";
import { writeSync } from "node:fs";
import type { ServerOptions, ToInterpreter, ToServer } from "./bridge.js";

export class ServerChannel {
  private readonly worker: Worker;
  private onMessage: ((message: ToInterpreter) => void) | null = null;
  /** Messages that arrived before the interpreter listened (see listen). */
  private early: ToInterpreter[] = [];
  /** Shared with the server thread: [0] last interrupt acknowledged, [1] termination held off. */
  readonly interruptFlags: Int32Array;

  /**
   * Starts the server thread. It binds the sockets and answers kernel_info on its own, so the
   * kernel starts it before loading the interpreter's modules; what it hands over before the
   * interpreter listens waits for it.
   */
  constructor(options: Omit<ServerOptions, "interruptAck">) {
    const ackBuffer = new SharedArrayBuffer(8);
    this.interruptFlags = new Int32Array(ackBuffer);
    this.worker = new Worker(new URL("./server.js", import.meta.url), {
      workerData: { ...options, interruptAck: ackBuffer } satisfies ServerOptions,
      // Keep the thread's own stdio away from the main thread's process.stdout/stderr, which carry
      // the user's output to the notebook; pass it straight to the kernel's stderr instead.
      stdout: true,
      stderr: true,
    });
    const passThrough = (chunk: Buffer) => {
      try {
        writeSync(2, chunk);
      } catch {
        // stderr is gone; nothing to do.
      }
    };
    this.worker.stdout.on("data", passThrough);
    this.worker.stderr.on("data", passThrough);
    this.worker.on("message", (message: ToInterpreter) => (this.onMessage ? this.onMessage(message) : this.early.push(message)));
    this.worker.on("error", (err) => {
      writeSync(2, `[tsamp] server thread failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    });
    // Bound before the interpreter replaces process.exit for cells.
    const exit = process.exit.bind(process);
    this.worker.on("exit", (code) => exit(typeof process.exitCode === "number" ? process.exitCode : code));
  }

  /** Hands every message from the server thread to onMessage, first those that came before. */
  listen(onMessage: (message: ToInterpreter) => void): void {
    const early = this.early;
    this.early = [];
    this.onMessage = onMessage;
    for (const message of early) onMessage(message);
  }

  send(message: ToServer): void {
    this.worker.postMessage(message);
  }

  acknowledgeInterrupt(seq: number): void {
    Atomics.store(this.interruptFlags, 0, seq);
  }
}
