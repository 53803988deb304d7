// Timing one tfjs op for the throughput benchmarks (bench/quantize.mjs, bench/gpu-check.mjs).

/**
 * Wall and CPU milliseconds of `iters` calls of op (each result disposed once the next exists),
 * synchronised by reading one element of the last result, which waits for an asynchronous backend.
 * The CPU time is this process's (user + system): for cpu and wasm, which run on this thread, it
 * leaves out the time other processes hold the core, so it is the steadier figure on a loaded
 * machine; for webgpu it would count Dawn's and the driver's threads, so wall time is the one to use.
 */
export async function timeOp(tf, op, iters) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let last = null;
  for (let i = 0; i < iters; i++) {
    const y = op();
    if (last) last.dispose();
    last = y;
  }
  const one = tf.slice(last, [0], [1]);
  await one.data();
  tf.dispose([one, last]);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}
