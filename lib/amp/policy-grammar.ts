// The policy string grammar, after DeepMind jmp's get_policy:
//   "params=float32,compute=float16,output=float32"   keys params/p, compute/c, output/o
//   "c=f16"                                           params default to float32, compute follows
//                                                     params, output follows compute (p=f32,c=f16,o=f16)
//   "bf16"                                            one format for every role
// Format names are the registry's names and aliases (f32, f16, bf16, e4m3, ...) plus jmp's "full"
// (float32) and "half" (float16: jmp picks bf16 on TPU, f16 elsewhere; we emulate a GPU). tsamp
// adds two keys jmp lacks: backward/b (the format of the backward pass's compute, fp8 hybrid's
// e5m2; follows compute) and scaling/s (none | delayed: per-tensor fp8 delayed scaling).
// Whitespace around keys, values and commas is ignored; keys and names are case-insensitive.
import { formats, Format } from "../formats/index.js";
import { RULES, type Rule } from "../formats/limits.js";
import { didYouMean } from "./suggest.js";

export type FormatLike = Format | string;
export type Scaling = "none" | "delayed";
export const SCALINGS: readonly Scaling[] = Object.freeze(["none", "delayed"]);

/** The roles a policy assigns formats to, in printing order. */
export type Role = "params" | "compute" | "backward" | "output";
export const ROLES: readonly Role[] = Object.freeze(["params", "compute", "backward", "output"]);

export interface ParsedPolicy {
  params?: Format;
  compute?: Format;
  backward?: Format;
  output?: Format;
  scaling?: Scaling;
}

const KEYS: Readonly<Record<string, Role | "scaling">> = Object.freeze({
  params: "params",
  p: "params",
  compute: "compute",
  c: "compute",
  backward: "backward",
  b: "backward",
  output: "output",
  o: "output",
  scaling: "scaling",
  s: "scaling",
});

export const KEYS_HELP = "params (p), compute (c), backward (b), output (o), scaling (s)";

/** jmp's names that are not registry names. */
const JMP_NAMES: Readonly<Record<string, string>> = Object.freeze({ full: "float32" });

/** The default names formats.custom() gives: e5m10, e4m3_b8_fnuz, e3m2_fin, ... */
const CUSTOM_NAME = new RegExp(`^e(\\d+)m(\\d+)(?:_b(-?\\d+))?(?:_(${RULES.join("|")}))?$`);

/** Every name a policy accepts for a format, for suggestions and help. */
export function formatNames(): string[] {
  return [...formats.list().flatMap((f) => [f.name, ...f.aliases]), ...Object.keys(JMP_NAMES)];
}

/**
 * A format from a policy value: a Format passes through; a string is a registry name or alias,
 * jmp's "full", or the default name of a custom format (so a custom policy's string reads back).
 * `where` prefixes the error ("compute" or 'in "c=flaot16"').
 */
export function policyFormat(value: FormatLike, where: string): Format {
  if (value instanceof Format) return value;
  if (typeof value !== "string") {
    throw new TypeError(`${where}: expected a format name or a Format, got ${value === null ? "null" : typeof value}`);
  }
  const name = value.trim().toLowerCase();
  const jmp = JMP_NAMES[name];
  if (jmp !== undefined) return formats.get(jmp);
  try {
    return formats.get(name);
  } catch (err) {
    const custom = CUSTOM_NAME.exec(name);
    if (custom) {
      return formats.custom({
        exponentBits: Number(custom[1]),
        mantissaBits: Number(custom[2]),
        ...(custom[3] !== undefined ? { bias: Number(custom[3]) } : {}),
        ...(custom[4] !== undefined ? { rule: custom[4] as Rule } : {}),
      });
    }
    if (name === "float64" || name === "f64" || name === "double") {
      throw new Error(`${where}: float64 is not emulated (tensors are float32 here); use float32 ("full").`);
    }
    throw new Error(`${where}: ${(err as Error).message} jmp's "full" (float32) and "half" (float16) work too.`);
  }
}

export function parseScaling(value: unknown, where: string): Scaling {
  const v = typeof value === "string" ? value.trim().toLowerCase() : value;
  if (v === "none" || v === "delayed") return v;
  throw new Error(`${where}: unknown scaling "${String(value)}".${didYouMean(String(value), SCALINGS)} Scalings: ${SCALINGS.join(", ")}.`);
}

/**
 * The roles a key=value string names (only those given; defaults are the caller's), or null when
 * the string has no "=" (then it is a preset or a single format name).
 */
export function parsePolicyString(text: string): ParsedPolicy | null {
  if (!text.includes("=")) return null;
  const out: ParsedPolicy = {};
  const seen = new Map<string, string>();
  for (const rawPart of text.split(",")) {
    const part = rawPart.trim();
    if (part === "") continue; // "p=f32, c=f16," : a stray comma is harmless
    const eq = part.indexOf("=");
    if (eq < 0) {
      throw new Error(`Policy "${text}": "${part}" is not key=value. Keys: ${KEYS_HELP}.`);
    }
    const rawKey = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    const role = KEYS[rawKey.toLowerCase()];
    if (role === undefined) {
      throw new Error(
        `Policy "${text}": unknown key "${rawKey}".${didYouMean(rawKey, Object.keys(KEYS))} Keys: ${KEYS_HELP}.`,
      );
    }
    const earlier = seen.get(role);
    if (earlier !== undefined) {
      throw new Error(`Policy "${text}": ${role} is given twice ("${earlier}" and "${part}").`);
    }
    seen.set(role, part);
    if (value === "") throw new Error(`Policy "${text}": "${part}" has no value.`);
    if (role === "scaling") out.scaling = parseScaling(value, `Policy "${text}", "${part}"`);
    else out[role] = policyFormat(value, `Policy "${text}", "${part}"`);
  }
  return out;
}
