// Messages between the loader (main thread) and its worker threads.
import type { BatchJob, BatchResult, Engine } from "./pipeline.js";
import type { TransformSpec } from "./transforms.js";

export interface WorkerInit {
  specs: TransformSpec[];
  channels: 1 | 3;
  engine: Engine;
  onError: "skip" | "fail";
  parallel: number;
}

export interface WorkerRequest {
  id: number;
  job: BatchJob;
}

export type WorkerReply =
  | { id: number; ok: true; result: BatchResult }
  | { id: number; ok: false; error: { name: string; message: string; path?: string; reason?: string } };
