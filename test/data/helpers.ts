// Shared by the data tests: tiny images written with sharp, temp folders.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";

/** The 4x4 gradient G[y][x] = 16 * (4y + x): 0, 16, ..., 240. */
export const GRADIENT = Uint8Array.from({ length: 16 }, (_, i) => 16 * i);

export function png(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 1): Promise<Buffer> {
  const s = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  return (channels === 1 ? s.toColourspace("b-w") : s).png().toBuffer();
}

export function tempDir(prefix = "tsamp-data-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small image folder without Fashion-MNIST: `perClass` w x h RGB PNGs per class, all distinct. */
export async function writeSyntheticFolder(
  root: string,
  classes: readonly string[],
  perClass: number,
  options: { width?: number; height?: number; format?: "png" | "jpeg" } = {},
): Promise<void> {
  const w = options.width ?? 20;
  const h = options.height ?? 16;
  let k = 0;
  for (const [c, name] of classes.entries()) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++, k++) {
      const px = new Uint8Array(w * h * 3);
      for (let p = 0; p < px.length; p++) px[p] = (p * 7 + k * 31 + c * 50 + ((p * k) % 13)) & 255;
      const s = sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 3 } });
      const bytes = options.format === "jpeg" ? await s.jpeg({ quality: 95 }).toBuffer() : await s.png().toBuffer();
      writeFileSync(join(root, name, `img_${String(i).padStart(3, "0")}.${options.format === "jpeg" ? "jpg" : "png"}`), bytes);
    }
  }
}
