// Which weights take weight decay. PyTorch decays every parameter of a param group; the usual
// recipe (BERT, GPT, timm) puts biases and normalization weights in a group without decay, and
// that is the default here: rank-1 weights and names mentioning bias/norm/bn are skipped.

export interface DecayCandidate {
  readonly name: string;
  readonly shape: readonly number[];
}

/** true = this weight takes weight decay. */
export type DecayFilter = (p: DecayCandidate) => boolean;

export const skipBiasAndNorm: DecayFilter = (p) => p.shape.length > 1 && !/bias|norm|bn/i.test(p.name);

/** PyTorch's behavior: every weight decays. */
export const decayAll: DecayFilter = () => true;

export function toDecayFilter(f: DecayFilter | "all" | "default" | undefined): DecayFilter {
  if (f === undefined || f === "default") return skipBiasAndNorm;
  if (f === "all") return decayAll;
  if (typeof f === "function") return f;
  throw new TypeError('decayFilter: a function ({ name, shape }) => boolean, "all" (PyTorch: every weight) or "default" (skip rank-1 and bias/norm/bn names)');
}
