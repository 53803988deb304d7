// What the trainer needs of a model, for tf.layers models and for plain functions over variables:
// a forward pass, the trainable weights (with the layer each belongs to, for per-layer policy
// overrides), and the other state a forward pass may change (batch norm's moving statistics).
import * as tf from "../tf.js";
import type { Family } from "./families.js";
import { LAYER_FAMILIES } from "./op-lists.js";

/** A model written as a function: forward(x, training) over the given variables. */
export interface FunctionModel {
  forward(x: tf.Tensor, training: boolean): tf.Tensor;
  /** The trainable weights (float32 tf.Variables). */
  variables: readonly tf.Variable[];
  /** State that forward changes and a failed step must put back (running statistics). */
  state?: readonly tf.Variable[];
}

export type ModelLike = tf.LayersModel | FunctionModel;

export interface ModelParam {
  /** Keys the optimizer state: the variable's name. */
  readonly name: string;
  readonly variable: tf.Variable;
  /** The layer path it belongs to ("dense_Dense1"), as autocast names sites; undefined for plain variables. */
  readonly layer: string | undefined;
  /** The op family of the layer that uses it (matmul for dense, conv, norm, ...), for overrides by family. */
  readonly family: Family;
}

export interface AdaptedModel {
  /** What autocast leaves out of layer paths (the model itself). */
  readonly root: object | undefined;
  readonly layersModel: tf.LayersModel | null;
  apply(x: tf.Tensor, training: boolean): tf.Tensor;
  params(): ModelParam[];
  /** Variables a forward pass may assign (moving mean/variance). */
  state(): tf.Variable[];
}

export function isLayersModel(m: unknown): m is tf.LayersModel {
  return m instanceof tf.LayersModel;
}

export function adaptModel(model: ModelLike): AdaptedModel {
  if (isLayersModel(model)) return layersAdapter(model);
  if (typeof model === "object" && model !== null && typeof (model as FunctionModel).forward === "function") {
    const m = model as FunctionModel;
    if (!Array.isArray(m.variables) || !m.variables.every((v) => v instanceof tf.Variable)) {
      throw new TypeError("amp.trainer: a function model is { forward(x, training), variables: tf.Variable[] }");
    }
    return {
      root: undefined,
      layersModel: null,
      apply: (x, training) => m.forward(x, training),
      params: () => m.variables.map((v) => ({ name: v.name, variable: v, layer: undefined, family: "elementwise" as Family })),
      state: () => [...(m.state ?? [])],
    };
  }
  throw new TypeError("amp.trainer: model must be a tf.LayersModel (tf.sequential, tf.model, tsamp's models) or { forward(x, training), variables }");
}

function layersAdapter(model: tf.LayersModel): AdaptedModel {
  return {
    root: model,
    layersModel: model,
    apply: (x, training) => {
      const out = model.apply(x, { training });
      if (Array.isArray(out)) throw new Error("amp.trainer: models with several outputs are not supported yet");
      return out as tf.Tensor;
    },
    params: () => {
      const layerOf = weightLayers(model);
      return model.trainableWeights.map((w) => {
        const at = layerOf.get(w.name);
        return { name: w.name, variable: w.read() as tf.Variable, layer: at?.path, family: at?.family ?? "elementwise" };
      });
    },
    state: () => model.nonTrainableWeights.map((w) => w.read() as tf.Variable),
  };
}

/** The family of the ops a layer class runs its weights through. */
export function layerFamily(className: string): Family {
  const f = LAYER_FAMILIES[className];
  if (f !== undefined) return f;
  if (/Dense|Embedding|LSTM|GRU|RNN|Attention/.test(className)) return "matmul";
  if (/Conv/.test(className)) return "conv";
  if (/PReLU/.test(className)) return "activation";
  return "elementwise";
}

/** Weight name -> the layer path autocast will see it used in (nested models joined by "/"), and its family. */
function weightLayers(model: tf.LayersModel): Map<string, { path: string; family: Family }> {
  const out = new Map<string, { path: string; family: Family }>();
  const walk = (layers: readonly tf.layers.Layer[], prefix: string) => {
    for (const l of layers) {
      const path = prefix === "" ? l.name : `${prefix}/${l.name}`;
      if (l instanceof tf.LayersModel) walk(l.layers, path);
      else for (const w of l.weights) if (!out.has(w.name)) out.set(w.name, { path, family: layerFamily(l.getClassName()) });
    }
  };
  walk(model.layers, "");
  return out;
}
