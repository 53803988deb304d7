import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Signer } from "../../kernel/protocol/signer.js";
import { DELIMITER, MessageFactory, parseFrames } from "../../kernel/protocol/wire.js";

const key = "0123456789abcdef";
const signer = new Signer(key, "hmac-sha256");
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const header = { msg_id: "m1", msg_type: "execute_request", username: "u", session: "s", date: "2026-01-01T00:00:00Z", version: "5.3" };

function signedFrames(parts: Buffer[], identities: Buffer[] = [Buffer.from("client")]): Buffer[] {
  const hmac = createHmac("sha256", key);
  for (const p of parts) hmac.update(p);
  return [...identities, DELIMITER, Buffer.from(hmac.digest("hex")), ...parts];
}

describe("Signer", () => {
  it("signs header, parent, metadata and content with the connection's HMAC", () => {
    const parts = [json(header), json({}), json({}), json({ code: "1" })];
    const expected = createHmac("sha256", key).update(Buffer.concat(parts)).digest("hex");
    expect(signer.sign(parts)).toBe(expected);
    expect(signer.verify(Buffer.from(expected), parts)).toBe(true);
  });

  it("rejects a tampered, truncated or missing signature", () => {
    const parts = [json(header), json({}), json({}), json({ code: "1" })];
    const good = signer.sign(parts);
    const tampered = (good[0] === "a" ? "b" : "a") + good.slice(1);
    expect(signer.verify(Buffer.from(tampered), parts)).toBe(false);
    expect(signer.verify(Buffer.from(good.slice(0, 10)), parts)).toBe(false);
    expect(signer.verify(Buffer.alloc(0), parts)).toBe(false);
  });

  it("supports the other hmac schemes and names the allowed ones for a typo", () => {
    const sha512 = new Signer(key, "hmac-sha512");
    expect(sha512.sign([json({})])).toHaveLength(128);
    expect(() => new Signer(key, "hmac-sha257")).toThrow(/hmac-sha256.*hmac-sha512/);
  });

  it("with an empty key neither signs nor checks", () => {
    const open = new Signer("", "hmac-sha256");
    expect(open.enabled).toBe(false);
    expect(open.sign([json({})])).toBe("");
    expect(open.verify(Buffer.alloc(0), [json({})])).toBe(true);
  });
});

describe("parseFrames", () => {
  const parts = [json(header), json({}), json({ tag: 1 }), json({ code: "6 * 7" })];

  it("parses identities, the four JSON frames and trailing buffers", () => {
    const frames = [...signedFrames(parts, [Buffer.from("a"), Buffer.from("b")]), Buffer.from([1, 2, 3])];
    const parsed = parseFrames(frames, signer);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.message.identities.map(String)).toEqual(["a", "b"]);
    expect(parsed.message.header.msg_type).toBe("execute_request");
    expect(parsed.message.metadata).toEqual({ tag: 1 });
    expect(parsed.message.content).toEqual({ code: "6 * 7" });
    expect([...parsed.message.buffers[0]]).toEqual([1, 2, 3]);
  });

  it("drops a message with a bad signature before parsing its JSON", () => {
    const frames = signedFrames(parts);
    frames[frames.indexOf(DELIMITER) + 1] = Buffer.from("f".repeat(64));
    expect(parseFrames(frames, signer)).toEqual({ ok: false, reason: "bad signature" });
  });

  it("returns a reason, never throws, for malformed input", () => {
    const cases: Buffer[][] = [
      [],
      [Buffer.from("no delimiter")],
      [DELIMITER, Buffer.from("sig")],
      signedFrames([Buffer.from("{not json"), json({}), json({}), json({})]),
      signedFrames([json({ msg_id: "x" }), json({}), json({}), json({})]),
      signedFrames([json(header), json([]), json({}), json({})]),
      signedFrames([json(header), json({}), json({}), json("string content")]),
    ];
    for (const frames of cases) {
      const parsed = parseFrames(frames, signer);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(3);
    }
    for (let i = 0; i < 500; i++) {
      const random = Array.from({ length: 1 + (i % 9) }, () => Buffer.from(Array.from({ length: i % 40 }, () => (Math.random() * 256) | 0)));
      if (i % 3 === 0) random.splice(i % random.length, 0, DELIMITER);
      expect(() => parseFrames(random, signer)).not.toThrow();
    }
  });
});

describe("MessageFactory", () => {
  it("builds signed frames that parse back to the same message", () => {
    const factory = new MessageFactory("session-1", signer);
    const frames = factory.frames({
      msg_type: "execute_reply",
      content: { status: "ok", execution_count: 1 },
      parent_header: header,
      identities: [Buffer.from("client")],
    });
    const parsed = parseFrames(frames, signer);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.message.header).toMatchObject({ msg_type: "execute_reply", session: "session-1", version: "5.3" });
    expect(parsed.message.parent_header).toEqual(header);
    expect(parsed.message.content).toEqual({ status: "ok", execution_count: 1 });
  });
});
