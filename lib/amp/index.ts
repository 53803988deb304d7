// The `amp` namespace of the public surface: policies, loss scaling, fp8 delayed scaling,
// optimizers and lr schedules; autocast at op dispatch, the trainer, compare and advise.
import { autocastApi } from "./autocast.js";
import { delayedScaling } from "./delayed-scaling.js";
import { FAMILIES, FAMILY_NAMES } from "./families.js";
import { lossScale } from "./loss-scale.js";
import { applyUpdate, optim } from "./optim/index.js";
import { PRESET_NAMES, policy as makePolicy, presets } from "./policy.js";
import { schedule } from "./schedule.js";
import { trainer } from "./trainer.js";
import { compare } from "./compare.js";
import { advise } from "./advise.js";
import { OP_ENTRIES as OP_LISTS } from "./op-lists.js";

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
export { autocast, formatOf, type AutocastOptions, type KernelEvent, type Phase } from "./autocast.js";
export { OP_ENTRIES, FAMILY_KIND, LAYER_FAMILIES, opEntry, type OpEntry, type OpKind } from "./op-lists.js";
export {
  Trainer,
  trainer,
  type TrainerOptions,
  type FitOptions,
  type Callbacks,
  type LossScaleLike,
} from "./trainer.js";
export { Comparison, compare, type CompareConfig, type CompareOptions, type CompareRun } from "./compare.js";
export {
  Advice,
  advise,
  TENSOR_KINDS,
  type AdviseOptions,
  type FormatVerdict,
  type LayerStats,
  type TensorStats,
  type TensorKind,
  type Shares,
} from "./advise.js";
export type { AutocastObserver } from "./autocast-state.js";
export { History, type StepRecord, type EpochRecord } from "./trainer-history.js";
export type { ModelLike, FunctionModel } from "./trainer-model.js";
export type { DataLike, Batch, TensorData } from "./trainer-data.js";
export { LOSSES, METRICS, topKAccuracy, type LossFn, type LossLike, type MetricFn, type MetricsLike } from "./trainer-losses.js";

/** amp.policy(spec), with the preset names at amp.policy.presets. */
const policy = Object.freeze(Object.assign((spec: Parameters<typeof makePolicy>[0]) => makePolicy(spec), { presets: PRESET_NAMES }));

export const amp = Object.freeze({
  policy,
  autocast: autocastApi,
  trainer,
  compare,
  advise,
  presets,
  lossScale,
  delayedScaling,
  optim,
  applyUpdate,
  schedule,
  /** Autocast's op lists (op-lists.ts): kernel name -> { kind, family }. */
  opLists: OP_LISTS,
  families: FAMILY_NAMES,
  familyDescriptions: FAMILIES,
});
