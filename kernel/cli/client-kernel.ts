// A minimal Jupyter client over zeromq: starts a kernel process, talks to it on shell, control, stdin
// and iopub with the kernel's own wire code (the same framing, signing and types the kernel uses),
// and runs code cells, collecting their outputs as nbformat outputs. It knows nothing about
// notebooks; the runner drives it one cell at a time.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import * as zmq from "zeromq";
import { type ConnectionInfo, endpoint } from "../protocol/connection.js";
import type { Header, JsonObject, Message } from "../protocol/messages.js";
import { Signer } from "../protocol/signer.js";
import { MessageFactory, parseFrames } from "../protocol/wire.js";
import { writeConnectionFile } from "./client-connection.js";
import { OutputCollector } from "./client-outputs.js";
import type { Output } from "./notebook-format.js";

export interface KernelClientOptions {
  /** argv that starts the kernel; "{connection_file}" is replaced by the connection file's path. */
  argv: string[];
  /** The kernel's working folder (the notebook's folder, so relative paths and imports resolve). */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the first kernel_info_reply. */
  startTimeoutMs?: number;
}

export interface ExecuteOptions {
  /** Interrupt the cell after this long (no limit when omitted). */
  timeoutMs?: number;
  /** Outputs go into this list (live: late output from timers is appended later). */
  outputs?: Output[];
  /** Sent as the request's stop_on_error. */
  stopOnError?: boolean;
}

export interface ExecuteResult {
  /** execute_reply content: status "ok" | "error" | "aborted", execution_count, ename/evalue/traceback... */
  reply: JsonObject;
  outputs: Output[];
  executionCount: number | null;
  /** The cell ran past timeoutMs and was interrupted. */
  timedOut: boolean;
}

/** The kernel process exited, or stopped answering, while the client needed it. */
export class KernelDiedError extends Error {}

type Socket = zmq.Dealer | zmq.Subscriber;

/** zeromq.js allows one pending send per socket: sends wait their turn. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Dealer) {}
  send(frames: Buffer[]): Promise<void> {
    const sent = this.tail.then(() => this.socket.send(frames));
    this.tail = sent.catch(() => undefined);
    return sent;
  }
}

interface Waiter {
  resolve(message: Message): void;
  reject(err: Error): void;
}

interface Running {
  reply: Message | null;
  idle: boolean;
  done: () => void;
}

const TAIL_BYTES = 16 * 1024;
/** How long output may keep coming after execute_reply before the idle status is given up on. */
const IDLE_AFTER_REPLY_MS = 10_000;

export class KernelClient {
  readonly outputs = new OutputCollector();
  /** kernel_info_reply content. */
  kernelInfo: JsonObject = {};
  /** Set when the process has exited: "exit code 1", "signal SIGKILL". */
  exitReason: string | null = null;

  private readonly signer: Signer;
  private readonly factory: MessageFactory;
  private readonly routingId = randomUUID();
  private readonly shell = new zmq.Dealer({ linger: 0, routingId: this.routingId });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly stdin = new zmq.Dealer({ linger: 0, routingId: this.routingId });
  private readonly iopub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
  private readonly queues = new Map<zmq.Dealer, SendQueue>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly running = new Map<string, Running>();
  /** msg_ids of kernel_info requests, to notice when iopub starts delivering (slow joiner). */
  private readonly infoRequests = new Set<string>();
  private iopubSeen = false;
  private iopubListeners: Array<() => void> = [];
  private closed = false;
  private output = "";
  private readonly exited: Promise<void>;
  /** Messages that failed signature or framing checks (a healthy kernel sends none). */
  dropped = 0;

  private constructor(
    private readonly info: ConnectionInfo,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly warn: (message: string) => void,
  ) {
    this.signer = new Signer(info.key, info.signature_scheme);
    this.factory = new MessageFactory(randomUUID(), this.signer, process.env.USER ?? "tsamp");
    for (const socket of [this.shell, this.control, this.stdin]) this.queues.set(socket, new SendQueue(socket));
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-TAIL_BYTES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        this.exitReason = signal ? `signal ${signal}` : `exit code ${code}`;
        const died = new KernelDiedError(`the kernel exited (${this.exitReason})`);
        for (const waiter of this.waiters.values()) waiter.reject(died);
        this.waiters.clear();
        resolve();
      };
      child.once("exit", onExit);
      child.once("error", (err) => {
        keep(Buffer.from(`cannot start the kernel: ${err.message}\n`));
        onExit(null, null);
      });
    });
  }

  /** Starts a kernel and waits until it answers kernel_info with iopub flowing. */
  static async start(options: KernelClientOptions, warn: (message: string) => void = () => {}): Promise<KernelClient> {
    const connection = await writeConnectionFile();
    const argv = options.argv.map((arg) => arg.replaceAll("{connection_file}", connection.path));
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const client = new KernelClient(connection.info, connection.dir, child, warn);
    try {
      client.connect();
      await client.waitForReady(options.startTimeoutMs ?? 60_000);
    } catch (err) {
      await client.shutdown(0);
      const log = client.processOutput().trimEnd();
      if (err instanceof Error && log) err.message += `\nkernel log (last lines):\n${log.split("\n").slice(-30).join("\n")}`;
      throw err;
    }
    return client;
  }

  /** The last lines the kernel process wrote to its stdout/stderr (its log), for error reports. */
  processOutput(): string {
    return this.output;
  }

  private connect(): void {
    this.shell.connect(endpoint(this.info, "shell"));
    this.control.connect(endpoint(this.info, "control"));
    this.stdin.connect(endpoint(this.info, "stdin"));
    this.iopub.connect(endpoint(this.info, "iopub"));
    this.iopub.subscribe();
    void this.receive(this.shell, (message) => this.onReply(message));
    void this.receive(this.control, (message) => this.onReply(message));
    void this.receive(this.stdin, (message) => this.onStdin(message));
    void this.receive(this.iopub, (message) => this.onIopub(message));
  }

  private async receive(socket: Socket, handle: (message: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        const parsed = parseFrames(frames, this.signer);
        if (!parsed.ok) {
          this.dropped++;
          this.warn(`dropped a message from the kernel (${parsed.reason})`);
          continue;
        }
        handle(parsed.message);
      }
    } catch (err) {
      if (!this.closed) this.warn(`receiving from the kernel failed: ${(err as Error).message}`);
    }
  }

  private onReply(message: Message): void {
    const id = (message.parent_header as Partial<Header>).msg_id;
    const waiter = id ? this.waiters.get(id) : undefined;
    if (!waiter) return;
    this.waiters.delete(id!);
    waiter.resolve(message);
  }

  private onStdin(message: Message): void {
    // Requests go out with allow_stdin false, so a kernel must not ask; if it does, say so (the cell
    // then waits until its timeout).
    if (message.header.msg_type === "input_request") {
      this.warn(`the kernel asked for input (${JSON.stringify(message.content.prompt ?? "")}) although notebooks run headless with allow_stdin false`);
    }
  }

  private onIopub(message: Message): void {
    const parentId = (message.parent_header as Partial<Header>).msg_id;
    if (!this.iopubSeen && parentId && this.infoRequests.has(parentId)) {
      this.iopubSeen = true;
      for (const listener of this.iopubListeners) listener();
      this.iopubListeners = [];
    }
    if (message.header.msg_type === "status") {
      const run = parentId ? this.running.get(parentId) : undefined;
      if (run && message.content.execution_state === "idle") {
        run.idle = true;
        if (run.reply) run.done();
      }
      return;
    }
    this.outputs.handle(message);
  }

  /** Sends a request and returns its msg_id with a promise of the reply. */
  private request(
    socket: zmq.Dealer,
    msg_type: string,
    content: JsonObject,
    beforeSend?: (msgId: string) => void,
  ): { msgId: string; reply: Promise<Message> } {
    const frames = this.factory.frames({ msg_type, content, parent_header: {} });
    // MessageFactory makes the header; read its msg_id back (frames: delimiter, signature, header, ...).
    const msgId = (JSON.parse(frames[2].toString("utf8")) as Header).msg_id;
    beforeSend?.(msgId);
    const reply = new Promise<Message>((resolve, reject) => {
      if (this.exitReason) return reject(new KernelDiedError(`the kernel exited (${this.exitReason})`));
      this.waiters.set(msgId, { resolve, reject });
    });
    reply.catch(() => undefined);
    this.queues
      .get(socket)!
      .send(frames)
      .catch((err: Error) => {
        const waiter = this.waiters.get(msgId);
        this.waiters.delete(msgId);
        waiter?.reject(new KernelDiedError(`cannot send ${msg_type}: ${err.message}`));
      });
    return { msgId, reply };
  }

  private async waitForReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const iopubFlowing = new Promise<void>((resolve) => {
      if (this.iopubSeen) resolve();
      else this.iopubListeners.push(resolve);
    });
    const exited = this.exited.then(() => undefined);
    let answered: JsonObject | null = null;
    // Retry kernel_info_request until one is answered and the status messages of one reach our
    // subscriber: a SUB socket misses what was published before its subscription reached the kernel.
    for (let tick = 100; ; tick = Math.min(tick * 2, 1000)) {
      if (this.exitReason) throw new KernelDiedError(`the kernel exited while starting (${this.exitReason})`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new KernelDiedError(
          answered
            ? `the kernel answered kernel_info_request but sent nothing on iopub within ${Math.round(timeoutMs / 1000)} s`
            : `the kernel did not answer kernel_info_request within ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      const { msgId, reply } = this.request(this.shell, "kernel_info_request", {});
      this.infoRequests.add(msgId);
      const answer = reply.then((message) => {
        answered ??= message.content;
      });
      answer.catch(() => undefined);
      await within(Promise.race([answer.then(() => iopubFlowing), exited]), Math.min(tick, left));
      if (answered && this.iopubSeen) {
        this.kernelInfo = answered;
        return;
      }
    }
  }

  /** Runs code and resolves when its execute_reply and its final idle status have both arrived. */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.exitReason) throw new KernelDiedError(`the kernel exited (${this.exitReason})`);
    const content = {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: options.stopOnError ?? true,
    };
    let finish!: () => void;
    const finished = new Promise<true>((resolve) => (finish = () => resolve(true)));
    const run: Running = { reply: null, idle: false, done: finish };
    const { msgId, reply: replied } = this.request(this.shell, "execute_request", content, (id) => {
      // Track before sending, so no output can arrive for an unknown request.
      this.outputs.track(id, options.outputs ?? []);
      this.running.set(id, run);
    });
    const target = this.outputs.target(msgId)!;
    let idleWait: NodeJS.Timeout | undefined;
    replied.then(
      (message) => {
        run.reply = message;
        if (run.idle) return finish();
        // Output ends with the idle status; should iopub lose it, do not wait forever (nbclient's
        // iopub_timeout does the same).
        idleWait = setTimeout(() => {
          this.warn("no idle status on iopub after execute_reply; some output may be missing");
          finish();
        }, IDLE_AFTER_REPLY_MS);
      },
      () => undefined,
    );
    const died = this.exited.then(() => {
      throw new KernelDiedError(`the kernel exited while running the cell (${this.exitReason})`);
    });
    died.catch(() => undefined);
    let timedOut = false;
    try {
      if (options.timeoutMs === undefined) {
        await Promise.race([finished, died]);
      } else if ((await within(Promise.race([finished, died]), options.timeoutMs)) === TIMEOUT) {
        timedOut = true;
        const limit = `the cell ran past its ${options.timeoutMs / 1000} s timeout`;
        await this.interrupt();
        // An interrupt stops a cell within a second; give it a generous margin before giving up.
        const stopped = await within(
          Promise.race([finished, died]).catch((err: Error) => {
            throw new KernelDiedError(`${limit}; after interrupt_request ${err.message.replace(/ while running the cell/, "")}`);
          }),
          10_000,
        );
        if (stopped === TIMEOUT) throw new KernelDiedError(`${limit} and did not stop after interrupt_request`);
      }
    } finally {
      clearTimeout(idleWait);
      this.running.delete(msgId);
      this.waiters.delete(msgId);
    }
    const reply = run.reply!.content;
    const executionCount = typeof reply.execution_count === "number" ? reply.execution_count : target.executionCount;
    return { reply, outputs: target.outputs, executionCount, timedOut };
  }

  /** interrupt_request on control (the kernelspec's interrupt_mode is "message" by default, and a
   * message works whatever the mode). */
  async interrupt(timeoutMs = 5_000): Promise<void> {
    const { msgId, reply } = this.request(this.control, "interrupt_request", {});
    const answered = await within(reply.then(() => true, () => false), timeoutMs);
    if (answered !== true && !this.exitReason) {
      this.waiters.delete(msgId);
      this.warn("the kernel did not answer interrupt_request; sending SIGINT");
      this.child.kill("SIGINT");
    }
  }

  /** shutdown_request on control; the process is killed if it has not exited after `graceMs`. Also
   * closes the sockets and removes the connection file. Safe to call twice. */
  async shutdown(graceMs = 3_000): Promise<void> {
    if (!this.exitReason && graceMs > 0) {
      const { reply } = this.request(this.control, "shutdown_request", { restart: false });
      await within(Promise.all([reply.catch(() => undefined), this.exited]), graceMs);
    }
    if (!this.exitReason) {
      this.child.kill("SIGKILL");
      await within(this.exited, 2_000);
    }
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.shell, this.control, this.stdin, this.iopub]) socket.close();
    for (const waiter of this.waiters.values()) waiter.reject(new KernelDiedError("the client was closed"));
    this.waiters.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const TIMEOUT = Symbol("timeout");

/** The promise's value, or TIMEOUT after `ms`; the timer is cleared either way, so no stray timer
 * keeps the process alive once the run is over. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
