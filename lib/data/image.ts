// Plain image values that cross thread boundaries: no tensors, no classes, just typed arrays with
// their sizes. Layout is HWC (row-major, channels last), the tfjs convention.

/** Decoded 8-bit pixels. */
export interface RawImage {
  kind: "raw";
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
}

/** Float pixels, as ToTensor (and Normalize) leave them. */
export interface FloatImage {
  kind: "float";
  data: Float32Array;
  width: number;
  height: number;
  channels: number;
}

export type Image = RawImage | FloatImage;

export function rawImage(data: Uint8Array, width: number, height: number, channels: number): RawImage {
  return { kind: "raw", data, width, height, channels };
}

export function floatImage(data: Float32Array, width: number, height: number, channels: number): FloatImage {
  return { kind: "float", data, width, height, channels };
}

/** Width, height and channel count read from a file's header, without decoding it. */
export interface Header {
  format: "png" | "jpeg";
  width: number;
  height: number;
  /** Channels in the file: 1 gray, 2 gray+alpha, 3 RGB (or palette), 4 RGBA/CMYK. */
  channels: number;
}

/** Reads the size of a PNG or baseline/progressive JPEG from its header; null for anything else. */
export function readHeader(bytes: Uint8Array): Header | null {
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const colorType = bytes[25];
    const channels = colorType === 0 ? 1 : colorType === 4 ? 2 : colorType === 6 ? 4 : 3;
    return { format: "png", width: view.getUint32(16), height: view.getUint32(20), channels };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let p = 2;
    while (p + 4 <= bytes.length) {
      if (bytes[p] !== 0xff) return null;
      const marker = bytes[p + 1]!;
      if (marker === 0xff) {
        p++; // fill byte
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        p += 2; // markers without a length
        continue;
      }
      const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) {
        if (p + 10 > bytes.length) return null;
        const height = (bytes[p + 5]! << 8) | bytes[p + 6]!;
        const width = (bytes[p + 7]! << 8) | bytes[p + 8]!;
        return { format: "jpeg", width, height, channels: bytes[p + 9]! };
      }
      if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
      p += 2 + length;
    }
  }
  return null;
}
