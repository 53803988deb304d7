// A data loader worker thread: receives batch jobs (file paths, labels, indices, seed, epoch),
// decodes and transforms them with the same code the main thread would run (pipeline.ts), and
// sends back one Float32Array per batch, its buffer transferred rather than copied. It never
// touches tensors: those are made on the main thread.
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { ImageReadError, loadBatch, type BatchContext, type BatchJob } from "./pipeline.js";
import { Transform } from "./transforms.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./worker-protocol.js";

const init = workerData as WorkerInit;
const ctx: BatchContext = {
  steps: init.specs.map((s) => new Transform(s)),
  channels: init.channels,
  engine: init.engine,
  onError: init.onError,
  read: (path) => readFileSync(path),
  parallel: init.parallel,
};

const port = parentPort!;
port.on("message", async (request: WorkerRequest) => {
  const job: BatchJob = request.job;
  let reply: WorkerReply;
  try {
    const result = await loadBatch(job, ctx);
    reply = { id: request.id, ok: true, result };
    port.postMessage(reply, [result.data.buffer as ArrayBuffer]);
    return;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = {
      id: request.id,
      ok: false,
      error: { name: e.name, message: e.message, ...(err instanceof ImageReadError ? { path: err.path, reason: err.reason } : {}) },
    };
  }
  port.postMessage(reply);
});
