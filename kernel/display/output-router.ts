// Routes what user code prints to the notebook cell that caused it.
//
// Every cell runs inside an AsyncLocalStorage context holding its request header, so output from a
// timer or a promise that fires after the cell finished still lands under that cell. Stream text is
// buffered briefly so that a loop of console.log calls becomes a few stream messages, not thousands;
// anything else published through the router first flushes the buffer, keeping output in order.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Header, JsonObject } from "../protocol/messages.js";

export type Publish = (msg_type: string, content: JsonObject, parent: Header | null, metadata?: JsonObject) => void;
export type StreamName = "stdout" | "stderr";

const FLUSH_DELAY_MS = 30;
const FLUSH_BYTES = 64 * 1024;

interface Pending {
  parent: Header | null;
  name: StreamName;
  text: string;
}

export class OutputRouter {
  private readonly context = new AsyncLocalStorage<Header>();
  private fallbackParent: Header | null = null;
  private pending: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: Publish) {}

  /** Runs fn with output parented to `parent`, including output of callbacks it schedules. */
  run<T>(parent: Header, fn: () => T): T {
    this.fallbackParent = parent;
    return this.context.run(parent, fn);
  }

  /** The request that output produced now belongs to. */
  parent(): Header | null {
    return this.context.getStore() ?? this.fallbackParent;
  }

  write(name: StreamName, text: string, parent: Header | null = this.parent()): void {
    if (!text) return;
    if (this.pending && (this.pending.parent !== parent || this.pending.name !== name)) this.flush();
    if (this.pending) this.pending.text += text;
    else this.pending = { parent, name, text };
    if (this.pending.text.length >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Publish a non-stream message in order after any buffered stream text. */
  publish(msg_type: string, content: JsonObject, parent: Header | null = this.parent(), metadata?: JsonObject): void {
    this.flush();
    this.send(msg_type, content, parent, metadata);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const pending = this.pending;
    this.pending = null;
    if (pending) this.send("stream", { name: pending.name, text: pending.text }, pending.parent);
  }

  /** Redirect process.stdout/stderr (and so console.*) into the notebook. */
  captureProcessStreams(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
        this.write(name, text);
        const done = typeof encoding === "function" ? encoding : callback;
        if (typeof done === "function") queueMicrotask(() => (done as () => void)());
        return true;
      }) as typeof stream.write;
    }
  }
}
