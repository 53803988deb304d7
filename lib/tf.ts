// The one TensorFlow.js instance tsamp uses. Everything in lib/ imports tf from here, and the public
// surface re-exports it, so user code and the library never disagree about which registry,
// backend or tensor class is in play.
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
// Chained ops (tensor.add(...), tensor.square()) are installed by tfjs-core at run time, but their
// type declarations only come with this module; importing it makes the types match the runtime.
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";
