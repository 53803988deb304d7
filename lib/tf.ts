// The one TensorFlow.js instance tsamp uses. Everything in lib/ imports tf from here, and the public
// surface re-exports it, so user code and the library never disagree about which registry,
// backend or tensor class is in play.
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import { installChainedOps } from "./tf-chained-ops.js";
// Chained ops (tensor.add(...), tensor.square()): their types live in a module tfjs-core's
// index.d.ts does not load, so it is referenced here (types only, kept in our .d.ts); the methods
// themselves are installed by tf-chained-ops.ts.
export type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";

installChainedOps();

