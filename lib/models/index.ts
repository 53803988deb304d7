// The `models` namespace of the public surface: small tf.layers models for the notebooks (NHWC).
import { lenet } from "./lenet.js";
import { mlp } from "./mlp.js";
import { resnet } from "./resnet.js";

export { lenet, type LenetOptions } from "./lenet.js";
export { mlp, type MlpOptions } from "./mlp.js";
export { resnet, type ResnetOptions } from "./resnet.js";

export const models = Object.freeze({ lenet, mlp, resnet });
