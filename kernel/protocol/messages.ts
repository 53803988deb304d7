// The Jupyter messaging protocol 5.3 written down as types, with the spec's words as doc comments
// (https://jupyter-client.readthedocs.io/en/latest/messaging.html).

export const PROTOCOL_VERSION = "5.3";

export interface Header {
  /** Typically UUID, must be unique per message. */
  msg_id: string;
  /** The message type, e.g. "execute_request". */
  msg_type: string;
  /** The username of the client sending the message. */
  username: string;
  /** Typically UUID, should be unique per session. */
  session: string;
  /** ISO 8601 timestamp for when the message is created. */
  date: string;
  /** The message protocol version. */
  version: string;
}

export type JsonObject = { [key: string]: unknown };

/** A whole message as the kernel handles it, after the wire frames were verified and parsed. */
export interface Message<C = JsonObject> {
  /** zeromq routing prefix: the frames before the `<IDS|MSG>` delimiter. */
  identities: Buffer[];
  header: Header;
  /** The header of the message that caused this one; `{}` when there is none. */
  parent_header: Header | Record<string, never>;
  metadata: JsonObject;
  content: C;
  /** Binary buffers (not signed, not JSON). */
  buffers: Buffer[];
}

export type ReplyStatus = "ok" | "error" | "aborted";

export interface ErrorContent {
  status: "error";
  /** Exception name, as a string. */
  ename: string;
  /** Exception value, as a string. */
  evalue: string;
  /** The traceback will contain a list of frames, represented each as a string. */
  traceback: string[];
}

/** `execute_request`: execute code on behalf of the user, in a namespace reserved to the user. */
export interface ExecuteRequest {
  /** Source code to be executed by the kernel, one or more lines. */
  code: string;
  /** A boolean flag which, if true, signals the kernel to execute this code as quietly as possible:
   * no broadcast on iopub, no execute_result, store_history forced to false. */
  silent: boolean;
  /** A boolean flag which, if true, signals the kernel to populate history. */
  store_history: boolean;
  /** A dict mapping names to expressions to be evaluated in the user's namespace. */
  user_expressions: Record<string, string>;
  /** Some frontends do not support stdin requests. If this is false, the kernel must not send them. */
  allow_stdin: boolean;
  /** A boolean flag, which, if true, aborts the execution queue if an exception is encountered. */
  stop_on_error: boolean;
}

export interface CompleteRequest {
  /** The code context in which completion is requested. */
  code: string;
  /** The cursor position within 'code' (in unicode characters) where completion is requested. */
  cursor_pos: number;
}

export interface InspectRequest {
  code: string;
  cursor_pos: number;
  /** 0 or 1: the level of detail desired. */
  detail_level: 0 | 1;
}

export interface IsCompleteRequest {
  /** The code entered so far as a multiline string. */
  code: string;
}

export interface HistoryRequest {
  /** If True, also return output history in the resulting dict. */
  output: boolean;
  /** If True, return the raw input history, else the transformed input. */
  raw: boolean;
  /** So far, this can be 'range', 'tail' or 'search'. */
  hist_access_type: "range" | "tail" | "search";
  /** Negative session numbers are relative to the current session. */
  session?: number;
  start?: number;
  stop?: number;
  /** Get the last n cells (tail and search). */
  n?: number;
  /** Get cells matching the specified glob pattern (with * and ? as wildcards). */
  pattern?: string;
  /** If True, search only unique entries. */
  unique?: boolean;
}

export interface CommOpen {
  comm_id: string;
  target_name: string;
  data: JsonObject;
  target_module?: string;
}

export interface CommMsg {
  comm_id: string;
  data: JsonObject;
}

export interface InputReply {
  value: string;
  status?: ReplyStatus;
}

export interface ShutdownRequest {
  /** False if final shutdown, or True if shutdown precedes a restart. */
  restart: boolean;
}

/** Messages the kernel publishes on iopub. */
export type IOPubType =
  | "status"
  | "stream"
  | "display_data"
  | "update_display_data"
  | "execute_input"
  | "execute_result"
  | "error"
  | "clear_output"
  | "comm_open"
  | "comm_msg"
  | "comm_close";

export type ExecutionState = "busy" | "idle" | "starting";
