// The public surface of tsamp, imported as `tsamp` from notebooks and plain Node scripts.
import * as tf from "./tf.js";

export { tf };
export { DISPLAY, isDisplayable, type Displayable, type MimeBundle } from "./display-symbol.js";
export {
  formats,
  quantize,
  inspect,
  Format,
  Inspection,
  type FormatSpec,
  type Rule,
  type Rounding,
  type QuantizeOptions,
  type InspectOptions,
  type MxBlocks,
  type MxOptions,
} from "./formats/index.js";
export { backends, type BackendName } from "./backends/index.js";
export {
  amp,
  Policy,
  Override,
  LossScaler,
  ScalerState,
  DelayedScaling,
  DelayedScalingState,
  TensorScaling,
  Optimizer,
  OptimizerState,
  Sgd,
  Adam,
  AdamW,
  type PolicyLike,
  type PolicySpec,
  type PresetName,
  type OverrideSpec,
  type Family,
  type DynamicLossScaleOptions,
  type ScaleEvent,
  type DelayedScalingOptions,
  type Param,
  type SgdOptions,
  type AdamOptions,
  type Schedule,
  type ScheduleLike,
} from "./amp/index.js";
export {
  data,
  ImageFolder,
  ImageReadError,
  Loader,
  TensorDataset,
  type Batch,
  type Dataset,
  type ImageFolderOptions,
  type LoaderOptions,
  type TransformLike,
} from "./data/index.js";
export {
  viz,
  Figure,
  TrainingView,
  ScalerPanel,
  Breakdown,
  Heatmap,
  type FigureSpec,
  type TrainingViewOptions,
  type StepMetrics,
  type BreakdownOptions,
  type HeatmapOptions,
} from "./viz/index.js";
