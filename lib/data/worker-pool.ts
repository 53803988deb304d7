// Worker threads for the loader: start, dispatch (least loaded first), and shut down cleanly. A
// worker is unref'd whenever it has no job, so an idle pool never keeps the process alive, and
// close() terminates them all, each once its running jobs have answered.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { ImageReadError, type BatchJob, type BatchResult } from "./pipeline.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./worker-protocol.js";

interface Slot {
  worker: Worker;
  /** Jobs sent and not yet answered (abandoned ones included: the worker still runs them). */
  load: number;
  /** Whether the thread is gone (exited or failed): nothing more will come from it. */
  gone: boolean;
  /** Called when load drops to 0 or the thread is gone (close() waits on it). */
  onIdle: (() => void) | null;
}

interface Pending {
  slot: Slot;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
  /** Rejected already (the pool closed or failed); its reply only frees the slot. */
  abandoned: boolean;
}

/**
 * How long close() lets a worker finish the jobs it is running before terminating it anyway (a
 * batch takes milliseconds; this only bounds a worker stuck on one).
 */
const FINISH_TIMEOUT_MS = 10_000;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private failure: Error | null = null;

  private constructor(script: URL, count: number, init: WorkerInit) {
    for (let i = 0; i < count; i++) {
      // No execArgv: the script is plain JavaScript, and loaders or hooks the main thread was started
      // with (a TypeScript runner, a test framework's) would only slow every worker's start.
      const worker = new Worker(script, { workerData: init, name: `tsamp-data-${i}`, execArgv: [] });
      const slot: Slot = { worker, load: 0, gone: false, onIdle: null };
      worker.unref();
      worker.on("message", (reply: WorkerReply) => this.receive(slot, reply));
      worker.on("error", (err) => {
        this.gone(slot);
        this.fail(new Error(`data loader worker failed: ${err.message}`));
      });
      worker.on("exit", (code) => {
        this.gone(slot);
        if (!this.closed) this.fail(new Error(`data loader worker exited unexpectedly (exit code ${code})`));
      });
      this.slots.push(slot);
    }
  }

  static async start(count: number, init: WorkerInit): Promise<WorkerPool> {
    // sharp's docs: load it on the main thread before worker threads do. Loaded here, not at import
    // time, so importing tsamp stays cheap.
    await import("sharp");
    return new WorkerPool(await workerScript(), count, init);
  }

  get size(): number {
    return this.slots.length;
  }

  run(job: BatchJob): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error("the data loader's workers are closed"));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.load < slot.load) slot = s;
    const id = this.nextId++;
    if (slot.load++ === 0) slot.worker.ref();
    return new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(id, { slot, resolve, reject, abandoned: false });
      slot.worker.postMessage({ id, job } satisfies WorkerRequest);
    });
  }

  private release(slot: Slot): void {
    if (--slot.load > 0) return;
    slot.worker.unref();
    slot.onIdle?.();
  }

  private gone(slot: Slot): void {
    slot.gone = true;
    slot.onIdle?.();
  }

  private receive(slot: Slot, reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.release(slot);
    if (p.abandoned) return;
    if (reply.ok) p.resolve(reply.result);
    else if (reply.error.path !== undefined) p.reject(new ImageReadError(reply.error.path, reply.error.reason ?? reply.error.message));
    else {
      const e = new Error(reply.error.message);
      e.name = reply.error.name;
      p.reject(e);
    }
  }

  private fail(err: Error): void {
    if (this.closed || this.failure) return;
    this.failure = err;
    this.abandonAll(err);
    void this.close();
  }

  /** Rejects every job not answered yet; the workers still finish them (see close). */
  private abandonAll(err: Error): void {
    for (const p of this.pending.values()) {
      if (p.abandoned) continue;
      p.abandoned = true;
      p.reject(err);
    }
  }

  /**
   * Terminates every worker; jobs still running are rejected at once. Each worker is terminated
   * only once it has answered the jobs it was running: terminating a thread in the middle of a
   * decode can stop it between creating and initialising a zlib stream, and Node 20 then aborts the
   * whole process while cleaning the thread up ("close before init").
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abandonAll(new Error("the data loader was closed"));
    await Promise.all(this.slots.map((s) => this.finished(s).then(() => s.worker.terminate())));
  }

  /** Resolves when the slot has no running job, its thread is gone, or FINISH_TIMEOUT_MS passed. */
  private finished(slot: Slot): Promise<void> {
    if (slot.load === 0 || slot.gone) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, FINISH_TIMEOUT_MS);
      function done(): void {
        clearTimeout(timer);
        slot.onIdle = null;
        resolve();
      }
      slot.onIdle = done;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The worker's script. Built, it is worker.js beside this file. Run from the TypeScript sources
// (vitest, ts loaders), worker threads cannot load .ts, so the worker's module closure is
// transpiled once (TypeScript's transpileModule: no type check) into a content-addressed folder.

let compiled: Promise<URL> | null = null;

async function workerScript(): Promise<URL> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return new URL("./worker.js", import.meta.url);
  compiled ??= compileWorker(dirname(here));
  return compiled;
}

/** A folder inside the node_modules that holds sharp, so the worker's `import "sharp"` resolves. */
function cacheRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules", "sharp"))) return join(d, "node_modules", ".cache", "tsamp-data-worker");
    if (dirname(d) === d) return join(tmpdir(), "tsamp-data-worker");
  }
}

async function compileWorker(srcDir: string): Promise<URL> {
  const sources = new Map<string, string>();
  const queue = ["worker.ts"];
  while (queue.length) {
    const name = queue.pop()!;
    if (sources.has(name)) continue;
    const text = readFileSync(join(srcDir, name), "utf8");
    sources.set(name, text);
    for (const m of text.matchAll(/from\s+["']\.\/([\w.-]+)\.js["']/g)) queue.push(`${m[1]}.ts`);
  }
  const hash = createHash("sha256").update("tsamp-data-worker 1");
  for (const name of [...sources.keys()].sort()) hash.update(name).update("\0").update(sources.get(name)!).update("\0");
  const root = cacheRoot(srcDir);
  const dir = join(root, hash.digest("hex").slice(0, 16));
  if (!existsSync(join(dir, "worker.js"))) {
    const ts = (await import("typescript")).default; // only on a cache miss: it takes a second to load
    const tmp = `${dir}.${process.pid}.${Date.now()}`;
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, "package.json"), '{ "type": "module" }\n');
    for (const [name, text] of sources) {
      const out = ts.transpileModule(text, {
        fileName: name,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(tmp, name.replace(/\.ts$/, ".js")), out.outputText);
    }
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process got there first
    }
  }
  return pathToFileURL(join(dir, "worker.js"));
}
