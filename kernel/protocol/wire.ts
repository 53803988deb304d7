// Wire framing: [identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content,
// buffers...]. Parsing never throws on hostile input: it returns a reason instead, so one bad frame
// costs one log line and nothing else.
import { randomUUID } from "node:crypto";
import { type Header, type JsonObject, type Message, PROTOCOL_VERSION } from "./messages.js";
import type { Signer } from "./signer.js";

export const DELIMITER = Buffer.from("<IDS|MSG>");

/** Above this many bytes a message is refused before JSON parsing (a runaway client, not a notebook).
 * TSAMP_MAX_MESSAGE_BYTES overrides it (tests use a small limit). */
export const MAX_MESSAGE_BYTES = Number(process.env.TSAMP_MAX_MESSAGE_BYTES) || 256 * 1024 * 1024;

export type ParseResult = { ok: true; message: Message } | { ok: false; reason: string };

export function parseFrames(frames: readonly Buffer[], signer: Signer): ParseResult {
  const size = frames.reduce((sum, f) => sum + f.length, 0);
  if (size > MAX_MESSAGE_BYTES) return { ok: false, reason: `message of ${size} bytes exceeds ${MAX_MESSAGE_BYTES}` };
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) return { ok: false, reason: "no <IDS|MSG> delimiter" };
  if (frames.length < at + 6) return { ok: false, reason: `expected 5 frames after the delimiter, got ${frames.length - at - 1}` };
  const [signature, header, parent, metadata, content] = frames.slice(at + 1, at + 6);
  if (!signer.verify(signature, [header, parent, metadata, content])) {
    return { ok: false, reason: signature.length === 0 ? "missing signature" : "bad signature" };
  }
  let parsed: unknown[];
  try {
    parsed = [header, parent, metadata, content].map((f) => JSON.parse(f.toString("utf8")));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  const [h, p, m, c] = parsed;
  if (!isObject(h) || typeof h.msg_type !== "string" || typeof h.msg_id !== "string") {
    return { ok: false, reason: "header lacks msg_id or msg_type" };
  }
  if (!isObject(p) || !isObject(m) || !isObject(c)) {
    return { ok: false, reason: "parent_header, metadata and content must be JSON objects" };
  }
  return {
    ok: true,
    message: {
      identities: frames.slice(0, at) as Buffer[],
      header: h as unknown as Header,
      parent_header: p as unknown as Header,
      metadata: m,
      content: c,
      buffers: frames.slice(at + 6) as Buffer[],
    },
  };
}

export interface Outgoing {
  msg_type: string;
  content: JsonObject;
  parent_header: Header | Record<string, never>;
  metadata?: JsonObject;
  identities?: Buffer[];
  buffers?: Buffer[];
}

export class MessageFactory {
  constructor(
    readonly session: string,
    private readonly signer: Signer,
    private readonly username = "tsamp",
  ) {}

  header(msg_type: string): Header {
    return {
      msg_id: randomUUID(),
      msg_type,
      username: this.username,
      session: this.session,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    };
  }

  frames(out: Outgoing): Buffer[] {
    const json = [this.header(out.msg_type), out.parent_header, out.metadata ?? {}, out.content].map((part) =>
      Buffer.from(JSON.stringify(part), "utf8"),
    );
    const signature = Buffer.from(this.signer.sign(json), "latin1");
    return [...(out.identities ?? []), DELIMITER, signature, ...json, ...(out.buffers ?? [])];
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
