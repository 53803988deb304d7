// What a request handler gets: the request, and the ways to answer it. Handlers never see sockets.
import type { Header, JsonObject } from "./protocol/messages.js";

export interface RequestContext<C = JsonObject> {
  readonly id: number;
  readonly header: Header;
  readonly content: C;
  readonly metadata: JsonObject;
  readonly buffers: Uint8Array[];
  /** Send the reply on the request's channel. */
  reply(msg_type: string, content: JsonObject, metadata?: JsonObject): void;
  /** Publish on iopub parented to this request. */
  publish(msg_type: string, content: JsonObject, metadata?: JsonObject, buffers?: Uint8Array[]): void;
}

export type Handler = (request: RequestContext) => void | Promise<void>;
