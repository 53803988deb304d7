// Overrides keep chosen layers or op families of a model in another format than the policy's
// (DESIGN.md section 4): { match: "decoder/*", format: "float32" }, { match: { family: "norm" },
// compute: "float32" }. An override is an immutable value like the policy that holds it.
import type { Format } from "../formats/index.js";
import { family, type Family } from "./families.js";
import { parseScaling, policyFormat, ROLES, type FormatLike, type Role, type Scaling } from "./policy-grammar.js";
import { checkKeys } from "./suggest.js";

/** A layer name ("dense_1"), a glob over layer names ("block*" or "enc?_*"), a RegExp, or an op family. */
export type OverrideMatch = string | RegExp | { family: Family };

export interface OverrideSpec {
  match: OverrideMatch;
  /** One format for every role of the matched layers or ops (as jmp's policy("float32") means). */
  format?: FormatLike;
  params?: FormatLike;
  compute?: FormatLike;
  /** Follows `compute` when that is given and this is not. */
  backward?: FormatLike;
  output?: FormatLike;
  scaling?: Scaling;
}

/** What an override changes: only the roles it names. */
export type RoleChanges = Readonly<Partial<Record<Role, Format>> & { scaling?: Scaling }>;

/** Where an op runs, as autocast sees it: the layer it belongs to and its family. */
export interface Site {
  layer?: string;
  family?: Family;
}

const SPEC_KEYS = ["match", "format", "params", "compute", "backward", "output", "scaling"];

export class Override {
  readonly match: string | RegExp | Readonly<{ family: Family }>;
  readonly changes: RoleChanges;
  private readonly glob: RegExp | null;

  constructor(spec: OverrideSpec) {
    if (typeof spec !== "object" || spec === null) {
      throw new TypeError('An override is { match, format } or { match, params?, compute?, backward?, output?, scaling? }');
    }
    checkKeys("override", spec, SPEC_KEYS);
    this.match = normalizeMatch(spec.match);
    this.glob = typeof this.match === "string" && /[*?]/.test(this.match) ? globToRegExp(this.match) : null;
    this.changes = Object.freeze(changesOf(spec, describeMatch(this.match)));
    Object.freeze(this);
  }

  matches(site: Site): boolean {
    const m = this.match;
    if (m instanceof RegExp) return site.layer !== undefined && m.test(site.layer);
    if (typeof m === "string") {
      if (site.layer === undefined) return false;
      return this.glob ? this.glob.test(site.layer) : site.layer === m;
    }
    return site.family === m.family;
  }

  equals(other: Override): boolean {
    const a = this.match;
    const b = other.match;
    const sameMatch =
      a instanceof RegExp
        ? b instanceof RegExp && a.source === b.source && a.flags === b.flags
        : typeof a === "string"
          ? a === b
          : typeof b === "object" && !(b instanceof RegExp) && a.family === b.family;
    if (!sameMatch) return false;
    const ca = this.changes;
    const cb = other.changes;
    if (ca.scaling !== cb.scaling) return false;
    return ROLES.every((r) => {
      const fa = ca[r];
      const fb = cb[r];
      return fa === undefined || fb === undefined ? fa === fb : fa.sameAs(fb);
    });
  }

  /** 'layer "norm*": float32' or 'family norm: compute=float32'. */
  toString(): string {
    return `${describeMatch(this.match)}: ${describeChanges(this.changes)}`;
  }
}

export function describeMatch(m: Override["match"]): string {
  if (m instanceof RegExp) return `layer ${String(m)}`;
  if (typeof m === "string") return `layer "${m}"`;
  return `family ${m.family}`;
}

export function describeChanges(c: RoleChanges): string {
  const given = ROLES.filter((r) => c[r] !== undefined);
  const first = c[given[0]!];
  const uniform = given.length === ROLES.length && given.every((r) => c[r]!.sameAs(first!));
  const parts = uniform ? [first!.name] : given.map((r) => `${r}=${c[r]!.name}`);
  if (c.scaling !== undefined) parts.push(`scaling=${c.scaling}`);
  return parts.join(",");
}

function normalizeMatch(m: unknown): Override["match"] {
  if (typeof m === "string") {
    if (m.trim() === "") throw new Error("override match: an empty layer name matches nothing");
    return m;
  }
  if (m instanceof RegExp) {
    // A copy without g/y: those make test() stateful (lastIndex), which a frozen value cannot be.
    return Object.freeze(new RegExp(m.source, m.flags.replace(/[gy]/g, "")));
  }
  if (typeof m === "object" && m !== null && "family" in m) {
    checkKeys("override match", m, ["family"]);
    return Object.freeze({ family: family((m as { family: string }).family) });
  }
  throw new TypeError('override match: expected a layer name or glob, a RegExp, or { family: "norm" | "softmax" | ... }');
}

function changesOf(spec: OverrideSpec, where: string): RoleChanges {
  const named = ROLES.filter((r) => spec[r] !== undefined);
  const out: Partial<Record<Role, Format>> & { scaling?: Scaling } = {};
  if (spec.format !== undefined) {
    if (named.length > 0) {
      throw new Error(`override for ${where}: give either format (every role) or ${named.join("/")}, not both`);
    }
    const f = policyFormat(spec.format, `override for ${where}`);
    for (const r of ROLES) out[r] = f;
  } else {
    for (const r of named) out[r] = policyFormat(spec[r]!, `override for ${where}, ${r}`);
    if (out.compute !== undefined && out.backward === undefined) out.backward = out.compute;
  }
  if (spec.scaling !== undefined) out.scaling = parseScaling(spec.scaling, `override for ${where}`);
  if (ROLES.every((r) => out[r] === undefined) && out.scaling === undefined) {
    throw new Error(`override for ${where} changes nothing: give format, or params/compute/backward/output/scaling`);
  }
  return out;
}

// Glob to RegExp: * is any run of characters (slashes too), ? one character; anchored at both ends.
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\/]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}
