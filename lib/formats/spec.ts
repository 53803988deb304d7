// The Format value: a small immutable description of one float format, with its limits as numbers
// and its scalar conversions. Tensors are rounded by quantize(); a Format only describes.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { float32FromBits, pow2 } from "./bits.js";
import { decode, encode } from "./codec.js";
import { limitsOf, type FormatSpec, type Rule } from "./limits.js";
import { roundScalar, type RoundOptions } from "./round.js";
import { formatTable } from "./table.js";

export type { Rule, FormatSpec } from "./limits.js";

export class Format implements FormatSpec {
  readonly name: string;
  /** Other names formats.get() accepts for this format (lowercase). */
  readonly aliases: readonly string[];
  readonly exponentBits: number;
  readonly mantissaBits: number;
  readonly bias: number;
  readonly rule: Rule;
  /** Largest finite value. */
  readonly max: number;
  /** Smallest positive normal value, 2^(1 - bias). */
  readonly minNormal: number;
  /** Smallest positive subnormal value, 2^(1 - bias - M) (equals minNormal when M = 0). */
  readonly minSubnormal: number;
  /** Spacing just above 1.0, 2^-M (machine epsilon). */
  readonly epsilon: number;
  /** Decimal digits of precision, (M + 1) * log10(2). */
  readonly decimalDigits: number;
  /** Storage width: 1 + E + M. */
  readonly bits: number;

  constructor(name: string, spec: FormatSpec, aliases: readonly string[] = []) {
    const lim = limitsOf(spec);
    this.name = name;
    this.aliases = Object.freeze([...aliases]);
    this.exponentBits = spec.exponentBits;
    this.mantissaBits = spec.mantissaBits;
    this.bias = spec.bias;
    this.rule = spec.rule;
    this.max = float32FromBits(lim.maxBits);
    this.minNormal = float32FromBits(lim.minNormalBits);
    this.minSubnormal = float32FromBits(lim.minSubnormalBits);
    this.epsilon = pow2(-spec.mantissaBits);
    this.decimalDigits = (spec.mantissaBits + 1) * Math.log10(2);
    this.bits = 1 + spec.exponentBits + spec.mantissaBits;
    Object.freeze(this);
  }

  /** The format's bit pattern for x (rounded to nearest even, no saturation, like a real cast). */
  encode(x: number): number {
    return encode(x, this);
  }

  /** The value of one of the format's bit patterns. */
  decode(bits: number): number {
    return decode(bits, this);
  }

  /** x rounded to this format and back (the scalar reference; x is first rounded to float32). */
  round(x: number, opts?: RoundOptions): number {
    return roundScalar(x, this, opts);
  }

  /** True when both describe the same set of values and encodings, whatever their names. */
  sameAs(other: FormatSpec): boolean {
    return (
      this.exponentBits === other.exponentBits &&
      this.mantissaBits === other.mantissaBits &&
      this.bias === other.bias &&
      this.rule === other.rule
    );
  }

  toString(): string {
    return this.name;
  }

  toJSON(): FormatSpec & { name: string } {
    const { name, exponentBits, mantissaBits, bias, rule } = this;
    return { name, exponentBits, mantissaBits, bias, rule };
  }

  [DISPLAY](): MimeBundle {
    return formatTable([this])[DISPLAY]();
  }
}
