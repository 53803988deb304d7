// Chained ops (tensor.add(...), tensor.square()) are installed by tfjs-core at run time, but their
// type declarations live in a module tfjs-core's index.d.ts does not load (and whose JavaScript
// cannot be imported by Node's ESM loader), so only its types are referenced, kept in our .d.ts.
// The one TensorFlow.js instance tsamp uses. Everything in lib/ imports tf from here, and the public
// surface re-exports it, so user code and the library never disagree about which registry,
// backend or tensor class is in play.
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
export type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";

