// amp.policy(spec): which float format each role of training uses (DESIGN.md section 4), as a small
// immutable value in the style of DeepMind jmp: params (the stored weights), compute (what the
// matmul/conv family computes from, forward), backward (the same in the backward pass), output (what
// a layer hands on), plus fp8's per-tensor scaling and per-layer or per-family overrides.
// Autocast reads a policy through resolve(site); the trainer reads params (master weights stay
// float32 when params is float32; otherwise updates are rounded to params, see optim/apply-update).
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { Format, formats, quantize } from "../formats/index.js";
import * as tf from "../tf.js";
import {
  KEYS_HELP,
  ROLES,
  formatNames,
  parsePolicyString,
  parseScaling,
  policyFormat,
  type FormatLike,
  type ParsedPolicy,
  type Role,
  type Scaling,
} from "./policy-grammar.js";
import { Override, type OverrideSpec, type Site } from "./policy-overrides.js";
import { policyHtml, policyText } from "./policy-display.js";
import { checkKeys, didYouMean } from "./suggest.js";

export { Override, type OverrideMatch, type OverrideSpec, type Site } from "./policy-overrides.js";
export type { FormatLike, Role, Scaling } from "./policy-grammar.js";

/** A policy written as an object; roles left out default as in jmp's grammar (see PolicyFields). */
export interface PolicySpec {
  params?: FormatLike;
  compute?: FormatLike;
  backward?: FormatLike;
  output?: FormatLike;
  scaling?: Scaling;
  overrides?: ReadonlyArray<OverrideSpec | Override>;
}

/** What `policy.with()` takes: the fields to replace. `overrides` replaces the list (it does not append). */
export type PolicyChanges = PolicySpec;

/** Anything amp.policy() turns into a Policy. */
export type PolicyLike = string | Format | Policy | PolicySpec;

const PRESET_SPECS = {
  float32: "params=float32,compute=float32,output=float32",
  mixed_float16: "params=float32,compute=float16,output=float32",
  mixed_bfloat16: "params=float32,compute=bfloat16,output=float32",
  float16: "params=float16,compute=float16,output=float16",
  bfloat16: "params=bfloat16,compute=bfloat16,output=bfloat16",
  // Transformer Engine's HYBRID recipe: e4m3 forward (more precision), e5m2 backward (more range
  // for gradients), each tensor scaled by its delayed amax history.
  fp8_hybrid: "params=float32,compute=float8_e4m3fn,backward=float8_e5m2,output=float32,scaling=delayed",
} as const;

export type PresetName = keyof typeof PRESET_SPECS;
export const PRESET_NAMES: readonly PresetName[] = Object.freeze(Object.keys(PRESET_SPECS) as PresetName[]);

const SPEC_KEYS = ["params", "compute", "backward", "output", "scaling", "overrides"];

export class Policy {
  /** The format weights are stored in (float32 here means master weights under mixed policies). */
  readonly params: Format;
  /** The format matmul/conv-family ops compute from in the forward pass. */
  readonly compute: Format;
  /** The format those ops compute from in the backward pass (fp8 hybrid: e5m2); usually = compute. */
  readonly backward: Format;
  /** The format a layer's outputs are handed on in. */
  readonly output: Format;
  /** "delayed": per-tensor fp8 scaling from an amax history (Transformer Engine); else "none". */
  readonly scaling: Scaling;
  /** Applied in order by resolve(); later ones win where they overlap. */
  readonly overrides: readonly Override[];

  /** Use amp.policy(); the constructor takes already-resolved fields. */
  constructor(fields: { params: Format; compute: Format; backward: Format; output: Format; scaling: Scaling; overrides: readonly Override[] }) {
    this.params = fields.params;
    this.compute = fields.compute;
    this.backward = fields.backward;
    this.output = fields.output;
    this.scaling = fields.scaling;
    this.overrides = Object.freeze([...fields.overrides]);
    Object.freeze(this);
  }

  /** The preset this policy equals, ignoring overrides ("mixed_float16"), or null. */
  get preset(): PresetName | null {
    return PRESET_NAMES.find((n) => sameRoles(this, presets()[n])) ?? null;
  }

  /** True when params are stored wider than compute (master weights + narrow compute: "mixed"). */
  get mixed(): boolean {
    return this.params.bits > this.compute.bits;
  }

  /** A copy with the given fields replaced. A new compute without a backward sets backward too. */
  with(changes: PolicyChanges): Policy {
    checkSpec("policy.with", changes);
    const f = (r: Role) => (changes[r] === undefined ? undefined : policyFormat(changes[r]!, `policy.with, ${r}`));
    const compute = f("compute") ?? this.compute;
    return new Policy({
      params: f("params") ?? this.params,
      compute,
      backward: f("backward") ?? (changes.compute !== undefined ? compute : this.backward),
      output: f("output") ?? this.output,
      scaling: changes.scaling === undefined ? this.scaling : parseScaling(changes.scaling, "policy.with"),
      overrides: changes.overrides === undefined ? this.overrides : toOverrides(changes.overrides),
    });
  }

  /**
   * The policy in effect at a site (a layer, an op family): this one with every matching override
   * applied in order, and no overrides of its own.
   */
  resolve(site: Site = {}): Policy {
    const roles: Record<Role, Format> = { params: this.params, compute: this.compute, backward: this.backward, output: this.output };
    let scaling = this.scaling;
    for (const o of this.overrides) {
      if (!o.matches(site)) continue;
      for (const r of ROLES) roles[r] = o.changes[r] ?? roles[r];
      scaling = o.changes.scaling ?? scaling;
    }
    return new Policy({ ...roles, scaling, overrides: [] });
  }

  /** Same formats (by value: E, M, bias, rule; names aside), scaling and overrides. */
  equals(other: PolicyLike): boolean {
    const o = other instanceof Policy ? other : policy(other);
    return (
      sameRoles(this, o) &&
      this.overrides.length === o.overrides.length &&
      this.overrides.every((ov, i) => ov.equals(o.overrides[i]!))
    );
  }

  /** x rounded to the params format (float32 stays float32; gradients pass straight through). */
  castToParams(x: tf.Tensor): tf.Tensor {
    return castTo(x, this.params);
  }

  castToCompute(x: tf.Tensor): tf.Tensor {
    return castTo(x, this.compute);
  }

  castToOutput(x: tf.Tensor): tf.Tensor {
    return castTo(x, this.output);
  }

  /**
   * The grammar string: "params=float32,compute=float16,output=float32"; backward only where it
   * differs from compute and scaling only when delayed, so jmp-style policies print as jmp writes
   * them (long keys). Overrides are not part of the grammar: the display lists them.
   */
  toString(): string {
    const parts = [`params=${this.params.name}`, `compute=${this.compute.name}`];
    if (!this.backward.sameAs(this.compute)) parts.push(`backward=${this.backward.name}`);
    parts.push(`output=${this.output.name}`);
    if (this.scaling !== "none") parts.push(`scaling=${this.scaling}`);
    return parts.join(",");
  }

  toJSON(): { params: string; compute: string; backward: string; output: string; scaling: Scaling; overrides: string[] } {
    return {
      params: this.params.name,
      compute: this.compute.name,
      backward: this.backward.name,
      output: this.output.name,
      scaling: this.scaling,
      overrides: this.overrides.map(String),
    };
  }

  [DISPLAY](): MimeBundle {
    return { "text/plain": policyText(this), "text/html": policyHtml(this) };
  }
}

/**
 * A policy from a preset name ("mixed_float16"), a format name for every role ("bf16", jmp's
 * "full"/"half"), a grammar string ("p=f32,c=f16,o=f32"), a Format, a spec object or a Policy.
 */
export function policy(spec: PolicyLike): Policy {
  if (spec instanceof Policy) return spec;
  if (typeof spec === "string") return fromString(spec);
  if (spec instanceof Format) return uniform(spec);
  if (typeof spec === "object" && spec !== null) return fromSpec(spec as PolicySpec);
  throw new TypeError(
    `amp.policy expects a preset name, a format, a string like "params=float32,compute=float16,output=float32", or { params, compute, output }; got ${spec === null ? "null" : typeof spec}`,
  );
}

let presetCache: Record<PresetName, Policy> | null = null;

/** The preset policies by name. */
export function presets(): Readonly<Record<PresetName, Policy>> {
  if (presetCache === null) {
    const built = {} as Record<PresetName, Policy>;
    for (const n of PRESET_NAMES) built[n] = fromString(PRESET_SPECS[n]);
    presetCache = Object.freeze(built);
  }
  return presetCache;
}

function fromString(text: string): Policy {
  const parsed = parsePolicyString(text);
  if (parsed !== null) return withDefaults(parsed, []);
  const name = text.trim().toLowerCase().replace(/-/g, "_");
  if ((PRESET_NAMES as readonly string[]).includes(name)) return presets()[name as PresetName];
  let format: Format;
  try {
    format = policyFormat(name, "policy");
  } catch {
    throw new Error(unknownPolicyMessage(text));
  }
  return uniform(format);
}

function unknownPolicyMessage(text: string): string {
  const names = formatNames();
  return (
    `Unknown policy "${text}".${didYouMean(text.trim().replace(/-/g, "_"), [...PRESET_NAMES, ...names])} ` +
    `A policy is a preset (${PRESET_NAMES.join(", ")}), ` +
    `a format name for every role (${names.join(", ")}), ` +
    `or a string like "params=float32,compute=float16,output=float32" (keys: ${KEYS_HELP}).`
  );
}

function fromSpec(spec: PolicySpec): Policy {
  checkSpec("amp.policy", spec);
  const parsed: ParsedPolicy = {};
  for (const r of ROLES) if (spec[r] !== undefined) parsed[r] = policyFormat(spec[r]!, `amp.policy, ${r}`);
  if (spec.scaling !== undefined) parsed.scaling = parseScaling(spec.scaling, "amp.policy");
  return withDefaults(parsed, spec.overrides === undefined ? [] : toOverrides(spec.overrides));
}

/** jmp's defaults: params float32, compute follows params, output follows compute; backward follows compute. */
function withDefaults(p: ParsedPolicy, overrides: readonly Override[]): Policy {
  const params = p.params ?? formats.get("float32");
  const compute = p.compute ?? params;
  return new Policy({
    params,
    compute,
    backward: p.backward ?? compute,
    output: p.output ?? compute,
    scaling: p.scaling ?? "none",
    overrides,
  });
}

function uniform(f: Format): Policy {
  return new Policy({ params: f, compute: f, backward: f, output: f, scaling: "none", overrides: [] });
}

function toOverrides(list: ReadonlyArray<OverrideSpec | Override>): Override[] {
  if (!Array.isArray(list)) throw new TypeError("overrides: expected an array of { match, format } or { match, compute, ... }");
  return list.map((o) => (o instanceof Override ? o : new Override(o)));
}

function checkSpec(what: string, spec: object): void {
  if (typeof spec !== "object" || spec === null) throw new TypeError(`${what} expects an object`);
  checkKeys(what, spec, SPEC_KEYS);
}

function sameRoles(a: Policy, b: Policy): boolean {
  return ROLES.every((r) => a[r].sameAs(b[r])) && a.scaling === b.scaling;
}

function castTo(x: tf.Tensor, f: Format): tf.Tensor {
  // float32 -> float32 is the identity; a clone keeps "returns a new tensor" true for every format.
  return f.sameAs(formats.get("float32")) && x.dtype === "float32" ? tf.clone(x) : quantize(x, f);
}
