// The loader's worker pool shutting down: close() rejects the jobs still running at once, but
// terminates each worker only once it has answered them (a thread stopped in the middle of a
// decode can abort the whole Node process while it is cleaned up).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it, vi } from "vitest";
import { WorkerPool } from "../../lib/data/worker-pool.js";
import type { BatchJob } from "../../lib/data/pipeline.js";
import { tempDir } from "./helpers.js";

/** A stand-in for the data worker: answers each job after `delay` ms with an empty batch. */
const FAKE_WORKER = `
import { parentPort, workerData } from "node:worker_threads";
parentPort.on("message", ({ id }) => {
  setTimeout(() => parentPort.postMessage({ id, ok: true, result: { shape: [0], skipped: [] } }), workerData.delay);
});
`;

interface PoolInternals {
  slots: Array<{ worker: Worker; load: number }>;
}

describe("WorkerPool.close", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const script = join(tmp.dir, "fake-worker.mjs");
  writeFileSync(script, FAKE_WORKER);
  // The constructor is private: start() would load the real worker script.
  const makePool = (delay: number) =>
    new (WorkerPool as unknown as new (script: URL, count: number, init: unknown) => WorkerPool)(pathToFileURL(script), 2, { delay });
  const job = {} as BatchJob;

  it("rejects running jobs at once and terminates each worker after it answered them", async () => {
    const pool = makePool(300);
    const slots = (pool as unknown as PoolInternals).slots;
    const original = Worker.prototype.terminate;
    const loadAtTerminate: number[] = [];
    const terminate = vi.spyOn(Worker.prototype, "terminate").mockImplementation(function (this: Worker) {
      loadAtTerminate.push(slots.find((s) => s.worker === this)!.load);
      return original.call(this);
    });
    try {
      const running = [pool.run(job), pool.run(job), pool.run(job)];
      const outcomes = running.map((p) => p.then(() => "resolved", (e: Error) => e.message));
      await new Promise((r) => setTimeout(r, 50));
      expect(slots.map((s) => s.load)).toEqual([2, 1]);
      const closing = pool.close();
      expect(await Promise.all(outcomes)).toEqual(Array(3).fill("the data loader was closed"));
      await closing;
      expect(loadAtTerminate).toEqual([0, 0]);
      await expect(pool.run(job)).rejects.toThrow(/closed/);
    } finally {
      terminate.mockRestore();
    }
  });
});
