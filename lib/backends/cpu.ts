// tfjs-backend-cpu prints, on its first tensor in Node, advice to install tfjs-node. tsamp chooses
// backends itself (tfjs-node is optional and often cannot install), so in a notebook that advice is
// noise; we mark the backend as already greeted. (It keeps the flag in a private field, `firstUse`.)
import * as tf from "../tf.js";

export function quietCpuGreeting(): void {
  const cpu = tf.engine().registry["cpu"] as unknown as { firstUse?: boolean } | undefined;
  if (cpu !== undefined && cpu.firstUse === true) cpu.firstUse = false;
}
