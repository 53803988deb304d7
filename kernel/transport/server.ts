// The server thread: owns every zeromq socket, verifies and signs messages, answers heartbeat,
// kernel_info and control requests itself, and hands everything else to the interpreter on the
// main thread. It runs in a worker so that heartbeat, control and interrupts keep working while a
// cell spins in a synchronous loop on the main thread.
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { endpoint } from "../protocol/connection.js";
import type { Header, JsonObject, Message } from "../protocol/messages.js";
import { Signer } from "../protocol/signer.js";
import { MessageFactory, parseFrames } from "../protocol/wire.js";
import { log } from "../log.js";
import type { ServerOptions, ToInterpreter, ToServer } from "./bridge.js";
import { Interrupter } from "./interrupter.js";

// process.binding("signal_wrap") warns once; this thread's warnings would reach the notebook.
(process as { noDeprecation?: boolean }).noDeprecation = true;

const options = workerData as ServerOptions;
const port = parentPort!;
const signer = new Signer(options.connection.key, options.connection.signature_scheme);
const factory = new MessageFactory(options.session, signer);
if (!signer.enabled) log("the connection file has an empty key: messages are not signed");

const shell = new zmq.Router({ linger: 0 });
const control = new zmq.Router({ linger: 0 });
const stdin = new zmq.Router({ linger: 0 });
const iopub = new zmq.Publisher({ linger: 0, sendHighWaterMark: 100_000 });
const heartbeat = new zmq.Reply({ linger: 0 });

/** Requests handed to the interpreter and not yet done, by id: where replies go. */
interface Pending {
  socket: zmq.Router;
  identities: Buffer[];
  header: Header;
}
const pending = new Map<number, Pending>();
const inputWaiters = new Map<number, number>(); // inputId -> request id, for routing input_reply
let nextId = 1;
let closing = false;

const interrupter = new Interrupter(options.interruptAck, (message) => port.postMessage(message));

function post(message: ToInterpreter): void {
  port.postMessage(message);
}

/** Sends on a socket one message at a time: zeromq.js allows one pending send per socket. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Router | zmq.Publisher) {}
  send(frames: Buffer[]): void {
    this.tail = this.tail.then(
      () => this.socket.send(frames),
      () => this.socket.send(frames),
    ).catch((err: Error) => {
      if (!closing) log(`send failed: ${err.message}`);
    });
  }
  flush(): Promise<void> {
    return this.tail.catch(() => undefined);
  }
}
const queues = new Map<zmq.Router | zmq.Publisher, SendQueue>(
  [shell, control, stdin, iopub].map((s) => [s, new SendQueue(s)]),
);

function publish(msg_type: string, content: JsonObject, parent: Header | null, metadata?: JsonObject, buffers?: Uint8Array[]): void {
  const topic = Buffer.from(`kernel.${options.session}.${msg_type}`);
  queues.get(iopub)!.send(
    factory.frames({
      msg_type,
      content,
      parent_header: parent ?? {},
      metadata,
      identities: [topic],
      buffers: buffers?.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
    }),
  );
}

function reply(socket: zmq.Router, request: Pick<Pending, "identities" | "header">, msg_type: string, content: JsonObject, metadata?: JsonObject): void {
  queues.get(socket)!.send(
    factory.frames({ msg_type, content, parent_header: request.header, metadata, identities: request.identities }),
  );
}

function replyType(requestType: string): string {
  return requestType.endsWith("_request") ? requestType.replace(/_request$/, "_reply") : `${requestType}_reply`;
}

async function serveShell(): Promise<void> {
  for await (const frames of shell) {
    const parsed = parseFrames(frames, signer);
    if (!parsed.ok) {
      log(`shell: dropped a message (${parsed.reason})`);
      continue;
    }
    const message = parsed.message;
    publish("status", { execution_state: "busy" }, message.header);
    if (message.header.msg_type === "kernel_info_request") {
      // Static facts: answered here so a client hears back while the interpreter still loads.
      reply(shell, message, "kernel_info_reply", options.kernelInfo);
      publish("status", { execution_state: "idle" }, message.header);
      continue;
    }
    forward(shell, "shell", message);
  }
}

function forward(socket: zmq.Router, channel: "shell" | "control", message: Message): void {
  const id = nextId++;
  pending.set(id, { socket, identities: message.identities, header: message.header });
  post({
    kind: "request",
    id,
    channel,
    header: message.header,
    parent_header: message.parent_header as JsonObject,
    metadata: message.metadata,
    content: message.content,
    buffers: message.buffers,
  });
}

async function serveControl(): Promise<void> {
  for await (const frames of control) {
    const parsed = parseFrames(frames, signer);
    if (!parsed.ok) {
      log(`control: dropped a message (${parsed.reason})`);
      continue;
    }
    const message = parsed.message;
    const type = message.header.msg_type;
    publish("status", { execution_state: "busy" }, message.header);
    switch (type) {
      case "kernel_info_request":
        reply(control, message, "kernel_info_reply", options.kernelInfo);
        break;
      case "interrupt_request":
        await interrupter.interrupt();
        reply(control, message, "interrupt_reply", { status: "ok" });
        break;
      case "shutdown_request": {
        const restart = Boolean((message.content as { restart?: unknown }).restart);
        reply(control, message, "shutdown_reply", { status: "ok", restart });
        publish("status", { execution_state: "idle" }, message.header);
        await shutdown(restart);
        return;
      }
      case "debug_request":
        reply(control, message, "debug_reply", {
          status: "error",
          ename: "NotImplemented",
          evalue: "tsamp has no debugger (kernel_info says debugger: false)",
          traceback: [],
        });
        break;
      default:
        log(`control: unknown message type "${type}" ignored`);
        reply(control, message, replyType(type), {
          status: "error",
          ename: "UnknownMessageType",
          evalue: `unknown control message type "${type}"`,
          traceback: [],
        });
    }
    publish("status", { execution_state: "idle" }, message.header);
  }
}

async function serveStdin(): Promise<void> {
  for await (const frames of stdin) {
    const parsed = parseFrames(frames, signer);
    if (!parsed.ok) {
      log(`stdin: dropped a message (${parsed.reason})`);
      continue;
    }
    const { header, content } = parsed.message;
    if (header.msg_type !== "input_reply") {
      log(`stdin: unexpected "${header.msg_type}" ignored`);
      continue;
    }
    // input_reply does not name the request it answers; the frontend answers the oldest one.
    const [inputId] = inputWaiters.keys();
    if (inputId === undefined) {
      log("stdin: input_reply with no pending input_request ignored");
      continue;
    }
    inputWaiters.delete(inputId);
    const value = typeof content.value === "string" ? content.value : String(content.value ?? "");
    post({ kind: "input_reply", inputId, value });
  }
}

async function serveHeartbeat(): Promise<void> {
  for await (const [ping] of heartbeat) await heartbeat.send(ping);
}

port.on("message", (message: ToServer) => {
  switch (message.kind) {
    case "reply": {
      const request = pending.get(message.id);
      if (!request) return log(`reply to unknown request ${message.id}`);
      reply(request.socket, request, message.msg_type, message.content, message.metadata);
      return;
    }
    case "publish":
      return publish(message.msg_type, message.content, message.parent, message.metadata, message.buffers);
    case "done": {
      const request = pending.get(message.id);
      pending.delete(message.id);
      if (request) publish("status", { execution_state: "idle" }, request.header);
      return;
    }
    case "input_request": {
      const request = pending.get(message.id);
      if (!request) {
        post({ kind: "input_reply", inputId: message.inputId, value: "", error: "the request that asked for input is gone" });
        return;
      }
      inputWaiters.set(message.inputId, message.id);
      queues.get(stdin)!.send(
        factory.frames({
          msg_type: "input_request",
          content: { prompt: message.prompt, password: message.password },
          parent_header: request.header,
          identities: request.identities,
        }),
      );
      return;
    }
    case "ready":
      return;
    case "closed":
      void closeSockets().then(() => process.exit(0));
      return;
  }
});

async function shutdown(restart: boolean): Promise<void> {
  post({ kind: "shutdown", restart });
  // The interpreter answers with "closed"; if it is stuck in a loop, interrupt it first.
  setTimeout(() => void interrupter.interrupt(), 200).unref();
}

async function closeSockets(): Promise<void> {
  closing = true;
  interrupter.close();
  await Promise.all([...queues.values()].map((q) => q.flush()));
  for (const socket of [shell, control, stdin, iopub, heartbeat]) socket.close();
}

async function start(): Promise<void> {
  const info = options.connection;
  await Promise.all([
    shell.bind(endpoint(info, "shell")),
    control.bind(endpoint(info, "control")),
    stdin.bind(endpoint(info, "stdin")),
    iopub.bind(endpoint(info, "iopub")),
    heartbeat.bind(endpoint(info, "hb")),
  ]);
  if (options.handleSigint) interrupter.listenForSigint();
  const loops: Array<[string, () => Promise<void>]> = [
    ["shell", serveShell],
    ["control", serveControl],
    ["stdin", serveStdin],
    ["heartbeat", serveHeartbeat],
  ];
  for (const [name, loop] of loops) {
    loop().catch((err: Error) => {
      if (!closing) log(`${name} loop ended: ${err.stack ?? err.message}`);
    });
  }
}

start().catch((err: Error) => {
  log(`cannot bind the kernel's sockets: ${err.message}`);
  process.exit(1);
});
