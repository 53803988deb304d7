// The `amp` namespace of the public surface: policies, loss scaling, fp8 delayed scaling,
// optimizers and lr schedules. Autocast and the trainer build on these.
import { delayedScaling } from "./delayed-scaling.js";
import { FAMILIES, FAMILY_NAMES } from "./families.js";
import { lossScale } from "./loss-scale.js";
import { applyUpdate, optim } from "./optim/index.js";
import { PRESET_NAMES, policy as makePolicy, presets } from "./policy.js";
import { schedule } from "./schedule.js";

export {
  Policy,
  Override,
  PRESET_NAMES,
  policy,
  presets,
  type PolicyLike,
  type PolicySpec,
  type PolicyChanges,
  type PresetName,
  type OverrideMatch,
  type OverrideSpec,
  type Site,
  type FormatLike,
  type Role,
  type Scaling,
} from "./policy.js";
export { FAMILIES, FAMILY_NAMES, type Family } from "./families.js";
export {
  LossScaler,
  ScalerState,
  lossScale,
  type DynamicLossScaleOptions,
  type ScaleEvent,
  type ScalerKind,
  type Grads,
} from "./loss-scale.js";
export {
  DelayedScaling,
  DelayedScalingState,
  TensorScaling,
  delayedScaling,
  type AmaxAlgorithm,
  type DelayedScalingOptions,
} from "./delayed-scaling.js";
export * from "./optim/index.js";
export { schedule, type Schedule, type ScheduleLike } from "./schedule.js";

/** amp.policy(spec), with the preset names at amp.policy.presets. */
const policy = Object.freeze(Object.assign((spec: Parameters<typeof makePolicy>[0]) => makePolicy(spec), { presets: PRESET_NAMES }));

export const amp = Object.freeze({
  policy,
  presets,
  lossScale,
  delayedScaling,
  optim,
  applyUpdate,
  schedule,
  families: FAMILY_NAMES,
  familyDescriptions: FAMILIES,
});
