// The two independent implementations, the bit-pattern core (kernels) and the composite of tf ops,
// on random float32 bit patterns (every exponent, subnormals, inf, NaN payloads) and on option
// combinations the vector files do not cover (toward-zero with saturate), for every format.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "../../lib/tf.js";
import { backends } from "../../lib/backends/index.js";
import { formats, quantize } from "../../lib/index.js";
import { mix32 } from "../../lib/formats/random.js";

const N = 20_000;
const patterns = Uint32Array.from({ length: N }, (_, i) => mix32(i * 2654435761 + 12345));

const isNan = (b: number) => (b & 0x7fffffff) > 0x7f800000;

describe("kernel and composite agree on random patterns", () => {
  beforeAll(async () => {
    await backends.use("cpu");
  });

  const options = [
    { rounding: "nearest-even", saturate: false },
    { rounding: "nearest-even", saturate: true },
    { rounding: "toward-zero", saturate: false },
    { rounding: "toward-zero", saturate: true },
  ] as const;

  it.each(formats.list().map((f) => [f.name] as const))("%s", (name) => {
    const x = tf.tensor1d(new Float32Array(patterns.slice().buffer));
    for (const opts of options) {
      const k = quantize(x, name, opts);
      const c = quantize(x, name, { ...opts, composite: true });
      const kb = new Uint32Array((k.dataSync() as Float32Array).slice().buffer);
      const cb = new Uint32Array((c.dataSync() as Float32Array).slice().buffer);
      tf.dispose([k, c]);
      const bad: string[] = [];
      for (let i = 0; i < N && bad.length < 5; i++) {
        const same = isNan(kb[i]!) ? isNan(cb[i]!) : kb[i] === cb[i];
        if (!same) bad.push(`${JSON.stringify(opts)} ${patterns[i]!.toString(16)}: kernel ${kb[i]!.toString(16)} composite ${cb[i]!.toString(16)}`);
      }
      expect(bad).toEqual([]);
    }
    x.dispose();
  });
});
