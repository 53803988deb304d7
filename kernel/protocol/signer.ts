// HMAC signing of the four JSON frames (header, parent_header, metadata, content; never buffers),
// compared in constant time so a forged signature leaks nothing through timing.
import { createHmac, timingSafeEqual } from "node:crypto";

const SUPPORTED = new Set(["sha256", "sha1", "sha384", "sha512", "md5"]);

export class Signer {
  private readonly algorithm: string | null;

  constructor(
    private readonly key: string,
    scheme: string,
  ) {
    const match = /^hmac-(\w+)$/.exec(scheme);
    if (!match || !SUPPORTED.has(match[1])) {
      throw new Error(
        `unsupported signature_scheme "${scheme}"; supported: ${[...SUPPORTED].map((a) => `hmac-${a}`).join(", ")}`,
      );
    }
    this.algorithm = key ? match[1] : null;
  }

  /** True when the connection has a key, so messages carry and need a signature. */
  get enabled(): boolean {
    return this.algorithm !== null;
  }

  sign(frames: readonly Uint8Array[]): string {
    if (!this.algorithm) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  verify(signature: Uint8Array, frames: readonly Uint8Array[]): boolean {
    if (!this.algorithm) return true;
    const expected = Buffer.from(this.sign(frames), "latin1");
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}
