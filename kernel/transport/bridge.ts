// Messages between the server thread (sockets, signing, heartbeat, control) and the interpreter
// (main thread: TypeScript, user code). The interpreter never sees a socket; the server never
// sees TypeScript.
import type { ConnectionInfo } from "../protocol/connection.js";
import type { Header, JsonObject } from "../protocol/messages.js";

/** A request the server verified and hands to the interpreter; `id` names its routing identities. */
export interface IncomingRequest {
  kind: "request";
  id: number;
  channel: "shell" | "control";
  header: Header;
  parent_header: JsonObject;
  metadata: JsonObject;
  content: JsonObject;
  buffers: Uint8Array[];
}

export type ToInterpreter =
  | IncomingRequest
  | { kind: "input_reply"; inputId: number; value: string; error?: string }
  /** `terminated`: the server had to terminate JavaScript mid-run, so finally blocks were skipped. */
  | { kind: "interrupt"; seq: number; terminated: boolean }
  | { kind: "shutdown"; restart: boolean };

export type ToServer =
  /** Reply to request `id` on the channel it came from. */
  | { kind: "reply"; id: number; msg_type: string; content: JsonObject; metadata?: JsonObject }
  /** Publish on iopub, parented to `parent` (null: no parent). */
  | { kind: "publish"; parent: Header | null; msg_type: string; content: JsonObject; metadata?: JsonObject; buffers?: Uint8Array[] }
  /** Request `id` is finished: publish status idle for it and forget its identities. */
  | { kind: "done"; id: number }
  /** Ask the frontend that sent request `id` for a line of input on stdin. */
  | { kind: "input_request"; id: number; inputId: number; prompt: string; password: boolean }
  /** The interpreter has loaded and may receive requests. */
  | { kind: "ready" }
  /** The interpreter finished shutting down; the server closes its sockets and the process ends. */
  | { kind: "closed" };

export interface ServerOptions {
  connection: ConnectionInfo;
  session: string;
  kernelInfo: JsonObject;
  /** Int32Array over a SharedArrayBuffer: [0] = last interrupt seq the interpreter acknowledged,
   * [1] > 0 while the interpreter does its own work that must not be terminated. */
  interruptAck: SharedArrayBuffer;
  /** Listen for SIGINT in the server thread (interrupt_mode "signal"). */
  handleSigint: boolean;
}
