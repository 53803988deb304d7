// execute_request: a queue of cells run one at a time, each interruptible, with stop_on_error
// aborting the queued ones.
import type { ExecuteRequest, JsonObject } from "../protocol/messages.js";
import type { RequestContext } from "../requests.js";
import type { CellOutcome, ExecutionEngine } from "../execution/engine.js";
import { formatError } from "../execution/stacktrace.js";
import { plainText, toMimeBundle } from "../display/mimebundle.js";
import { DISPLAY_HANDLE } from "../display/display-api.js";
import type { OutputRouter } from "../display/output-router.js";
import type { HistoryStore } from "../history/store.js";
import { relaxAsyncHookChecks } from "../execution/interrupt-safety.js";
import { beginCell } from "../execution/cell-signal.js";

type Interrupted = { interrupted: true };

const KEYBOARD_INTERRUPT: CellOutcome = {
  status: "error",
  ename: "KeyboardInterrupt",
  evalue: "the cell was interrupted; everything it defined before that is kept",
  traceback: ["\x1b[31mKeyboardInterrupt\x1b[0m: the cell was interrupted; everything it defined before that is kept"],
};

export interface ExecuteServices {
  engine: ExecutionEngine;
  router: OutputRouter;
  history: HistoryStore;
  /** Called with the running request, so `input()` knows whom to ask and whether it may. */
  setActiveRequest(request: RequestContext | null, allowStdin: boolean): void;
}

export class ExecuteQueue {
  private readonly queue: RequestContext[] = [];
  private draining = false;
  private executionCount = 0;
  private interruptCurrent: (() => void) | null = null;

  constructor(private readonly services: ExecuteServices) {}

  enqueue(request: RequestContext, done: () => void): void {
    this.queue.push(Object.assign(request, { done }));
    if (!this.draining) void this.drain();
  }

  /** Stop the running cell (if any); returns whether one was running. */
  interrupt(): boolean {
    const interrupt = this.interruptCurrent;
    interrupt?.();
    return interrupt !== null;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const request = this.queue.shift() as RequestContext & { done: () => void };
        try {
          await this.executeOne(request);
        } finally {
          this.services.router.flush();
          request.done();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async executeOne(request: RequestContext): Promise<void> {
    const content = request.content as unknown as Partial<ExecuteRequest>;
    const code = typeof content.code === "string" ? content.code : "";
    const silent = Boolean(content.silent);
    const storeHistory = !silent && content.store_history !== false;
    const stopOnError = content.stop_on_error !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) request.publish("execute_input", { code, execution_count: count });

    const outcome = await this.runInterruptibly(request, Boolean(content.allow_stdin ?? true), code, () =>
      this.services.engine.execute(code, storeHistory ? count : 0),
    );
    const { router, history } = this.services;
    router.flush();

    if (outcome.status === "ok") {
      let resultText: string | null = null;
      if (outcome.value.hasValue && showsResult(outcome.value.value) && !silent) {
        const bundle = this.safeBundle(outcome.value.value);
        resultText = typeof bundle.data["text/plain"] === "string" ? bundle.data["text/plain"] : null;
        router.publish("execute_result", { execution_count: count, data: bundle.data, metadata: bundle.metadata }, request.header);
      }
      if (storeHistory) history.append(count, code, resultText);
      const user_expressions = await this.userExpressions(content.user_expressions);
      request.reply("execute_reply", { status: "ok", execution_count: count, payload: outcome.payload, user_expressions });
      return;
    }

    if (storeHistory) history.append(count, code, null);
    const error = { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    if (!silent) router.publish("error", error, request.header);
    request.reply("execute_reply", { status: "error", execution_count: count, ...error }, { status: "error" });
    if (stopOnError) this.abortQueued();
  }

  private safeBundle(value: unknown): { data: JsonObject; metadata: JsonObject } {
    try {
      return toMimeBundle(value);
    } catch (err) {
      return { data: { "text/plain": `(display failed: ${(err as Error).message})\n${plainText(value)}` }, metadata: {} };
    }
  }

  /** Runs a cell so that an interrupt can end the wait even if the cell's stack was torn down. */
  private runInterruptibly(request: RequestContext, allowStdin: boolean, code: string, run: () => Promise<CellOutcome>): Promise<CellOutcome> {
    const { router } = this.services;
    return new Promise<CellOutcome | Interrupted>((resolve) => {
      this.interruptCurrent = () => resolve({ interrupted: true });
      const cellId = request.metadata["cellId"];
      beginCell({ id: typeof cellId === "string" ? cellId : undefined, code, execution: request.header.msg_id });
      this.services.setActiveRequest(request, allowStdin);
      // A separate macrotask: if the cell is terminated mid-loop, only that task's stack unwinds and
      // this promise is settled by the interrupt instead.
      setImmediate(() => {
        relaxAsyncHookChecks();
        router
          .run(request.header, () => {
            relaxAsyncHookChecks(); // AsyncLocalStorage enables hooks on its first run
            return run();
          })
          .then(resolve, (err: unknown) => resolve({ status: "error", ...formatError(err) }));
      });
    }).then((outcome) => {
      this.interruptCurrent = null;
      this.services.setActiveRequest(null, false);
      return "interrupted" in outcome ? KEYBOARD_INTERRUPT : outcome;
    });
  }

  private async userExpressions(expressions: unknown): Promise<JsonObject> {
    const result: JsonObject = {};
    if (!expressions || typeof expressions !== "object") return result;
    for (const [name, expression] of Object.entries(expressions as Record<string, unknown>)) {
      try {
        const value = await this.services.engine.evaluate(String(expression));
        const bundle = this.safeBundle(value.hasValue ? value.value : undefined);
        result[name] = { status: "ok", data: bundle.data, metadata: bundle.metadata };
      } catch (err) {
        result[name] = { status: "error", ...formatError(err) };
      }
    }
    return result;
  }

  /** After an error with stop_on_error, the cells queued behind it are answered "aborted". */
  private abortQueued(): void {
    const aborted = this.queue.splice(0) as Array<RequestContext & { done: () => void }>;
    for (const request of aborted) {
      request.reply("execute_reply", { status: "aborted", execution_count: this.executionCount }, { status: "aborted" });
      request.done();
    }
  }
}

/** undefined and display handles (the cell already showed the display) make no Out[n]. */
function showsResult(value: unknown): boolean {
  if (value === undefined) return false;
  return !(typeof value === "object" && value !== null && DISPLAY_HANDLE in value);
}
