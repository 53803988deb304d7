// The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a
// big-endian header [0, 0, type, ndims], ndims uint32 sizes, then the values row-major.
// Gzipped files (as Debian ships them) are inflated transparently.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface Idx {
  /** The element type's name, as in the spec's table. */
  type: "ubyte" | "byte" | "short" | "int" | "float" | "double";
  /** Sizes of each dimension, outermost first (after `limit`, if given). */
  shape: number[];
  data: IdxArray;
}

const TYPES = {
  0x08: { type: "ubyte", size: 1 },
  0x09: { type: "byte", size: 1 },
  0x0b: { type: "short", size: 2 },
  0x0c: { type: "int", size: 4 },
  0x0d: { type: "float", size: 4 },
  0x0e: { type: "double", size: 8 },
} as const;

/** Parses IDX bytes (gzipped or not). `limit` keeps only the first `limit` items of dimension 0. */
export function parseIdx(bytes: Uint8Array, options: { limit?: number; name?: string } = {}): Idx {
  const name = options.name ?? "IDX data";
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw new Error(`${name} is not an IDX file (its first two bytes must be 0)`);
  }
  const code = buf[2]!;
  const info = TYPES[code as keyof typeof TYPES];
  if (!info) throw new Error(`${name}: unknown IDX element type 0x${code.toString(16)}`);
  const ndims = buf[3]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(view.getUint32(4 + 4 * i));
  const header = 4 + 4 * ndims;
  if (options.limit !== undefined && ndims > 0) shape[0] = Math.max(0, Math.min(shape[0]!, Math.floor(options.limit)));
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length < header + count * info.size) {
    throw new Error(`${name} is truncated: the header promises ${count} values, the file holds fewer`);
  }
  let data: IdxArray;
  switch (info.type) {
    case "ubyte":
      data = buf.slice(header, header + count);
      break;
    case "byte":
      data = new Int8Array(buf.slice(header, header + count).buffer);
      break;
    default: {
      const Ctor = { short: Int16Array, int: Int32Array, float: Float32Array, double: Float64Array }[info.type];
      const out = new Ctor(count);
      const get = { short: "getInt16", int: "getInt32", float: "getFloat32", double: "getFloat64" }[info.type] as
        | "getInt16"
        | "getInt32"
        | "getFloat32"
        | "getFloat64";
      for (let i = 0; i < count; i++) out[i] = view[get](header + i * info.size);
      data = out;
    }
  }
  return { type: info.type, shape, data };
}

/** Reads an IDX file (`.gz` or plain). */
export function readIdx(path: string, options: { limit?: number } = {}): Idx {
  return parseIdx(readFileSync(path), { ...options, name: path });
}
