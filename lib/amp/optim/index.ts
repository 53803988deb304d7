// amp.optim: sgd, adam, adamw over float32 master weights, and applyUpdate for weights stored in a
// narrower params format.
import { adam, adamw } from "./adam.js";
import { applyUpdate } from "./apply-update.js";
import { decayAll, skipBiasAndNorm } from "./decay-filter.js";
import { sgd } from "./sgd.js";

export { Adam, AdamW, adam, adamw, type AdamOptions } from "./adam.js";
export { Sgd, sgd, type SgdOptions } from "./sgd.js";
export { applyUpdate, commit } from "./apply-update.js";
export { Optimizer, OptimizerState, type CommonOptions, type Param } from "./optimizer.js";
export { decayAll, skipBiasAndNorm, type DecayCandidate, type DecayFilter } from "./decay-filter.js";

export const optim = Object.freeze({ sgd, adam, adamw, applyUpdate, decayFilters: Object.freeze({ skipBiasAndNorm, all: decayAll }) });
