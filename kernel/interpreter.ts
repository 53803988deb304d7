// The interpreter: the kernel's main thread. It starts the server thread, loads TypeScript and the
// library in the background, and dispatches requests to handlers. User code runs here.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ConnectionInfo } from "./protocol/connection.js";
import type { Header, JsonObject } from "./protocol/messages.js";
import type { IncomingRequest, ToInterpreter } from "./transport/bridge.js";
import { ServerChannel } from "./transport/channel.js";
import { kernelInfo } from "./kernel-info.js";
import { OutputRouter } from "./display/output-router.js";
import { createDisplay } from "./display/display-api.js";
import { CommRegistry } from "./comm/registry.js";
import { HistoryStore } from "./history/store.js";
import type { RequestContext } from "./requests.js";
import { ExecuteQueue } from "./handlers/execute.js";
import { handleHistory } from "./handlers/history.js";
import { handleComm } from "./handlers/comm.js";
import { handleComplete, handleInspect, handleIsComplete } from "./handlers/language.js";
import { ExecutionEngine, type LibrarySurface } from "./execution/engine.js";
import { createImporter } from "./execution/imports.js";
import { installPrelude, loadLibrary, preludeDts } from "./prelude.js";
import { NotebookLanguageService } from "./language/service.js";
import { log } from "./log.js";

const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function startKernel(connection: ConnectionInfo): void {
  const session = randomUUID();
  const channel = new ServerChannel({ connection, session, kernelInfo: kernelInfo(), handleSigint: true }, onMessage);
  const publish = (msg_type: string, content: JsonObject, parent: Header | null, metadata?: JsonObject, buffers?: Uint8Array[]) =>
    channel.send({ kind: "publish", msg_type, content, parent, metadata, buffers });

  const router = new OutputRouter(publish);
  router.captureProcessStreams();
  const comms = new CommRegistry((msg_type, content, metadata, buffers) => {
    router.flush();
    publish(msg_type, content, router.parent(), metadata, buffers);
  });
  const history = new HistoryStore();

  // input(): an input_request to the frontend that sent the running cell.
  let active: { request: RequestContext; allowStdin: boolean } | null = null;
  let nextInputId = 1;
  const inputWaiters = new Map<number, { resolve: (value: string) => void; reject: (err: Error) => void }>();
  const input = (prompt = "", options?: { password?: boolean }): Promise<string> => {
    if (!active) return Promise.reject(new Error("input() can only be called while a cell runs"));
    if (!active.allowStdin) return Promise.reject(new Error("this frontend does not accept input requests (allow_stdin is false)"));
    router.flush();
    const inputId = nextInputId++;
    channel.send({ kind: "input_request", id: active.request.id, inputId, prompt: String(prompt), password: Boolean(options?.password) });
    return new Promise((resolve, reject) => inputWaiters.set(inputId, { resolve, reject }));
  };

  let libraryNames: string[] = [];
  let library: LibrarySurface | null = null;
  let language: NotebookLanguageService | null = null;
  const cwd = process.cwd();
  const makeLanguage = () =>
    new NotebookLanguageService({ cwd, preludeDts: preludeDts(libraryNames), fallbackModuleRoots: [PACKAGE_ROOT] });

  const ready = (async () => {
    const exports = await loadLibrary();
    const installed = installPrelude(exports, { display: createDisplay(router), input, comms });
    libraryNames = installed.names;
    library = installed.surface;
    const backends = (exports as { backends?: { auto?: () => Promise<unknown> } }).backends;
    if (backends?.auto) await backends.auto();
    language = makeLanguage();
    // Warm the checker so the first real cell does not pay for loading lib.d.ts and tfjs types.
    language.check("const __warmup: number = 1;");
  })();
  ready.catch((err: Error) => log(`startup failed: ${err.stack ?? err.message}`));

  const engine = new ExecutionEngine({
    language: () => (language ??= makeLanguage()),
    resetLanguage: () => (language = makeLanguage()),
    runtime: {
      declare(names: string[]) {
        const scope = globalThis as Record<string, unknown>;
        for (const name of names) {
          const existing = Object.getOwnPropertyDescriptor(scope, name);
          if (!existing || (!("value" in existing) && existing.configurable) || (existing.writable === false && existing.configurable)) {
            Object.defineProperty(scope, name, { value: existing && "value" in existing ? existing.value : undefined, writable: true, configurable: true, enumerable: false });
          }
        }
      },
      import: createImporter(() => process.cwd()),
    },
    library: async () => {
      await ready;
      return library!;
    },
  });
  const executions = new ExecuteQueue({
    engine,
    router,
    history,
    ready,
    setActiveRequest(request, allowStdin) {
      active = request ? { request, allowStdin } : null;
    },
  });

  function context(message: IncomingRequest): RequestContext {
    return {
      id: message.id,
      header: message.header,
      content: message.content,
      metadata: message.metadata,
      buffers: message.buffers,
      reply: (msg_type, content, metadata) => channel.send({ kind: "reply", id: message.id, msg_type, content, metadata }),
      publish: (msg_type, content, metadata, buffers) => publish(msg_type, content, message.header, metadata, buffers),
    };
  }

  async function handle(message: IncomingRequest): Promise<void> {
    const request = context(message);
    const done = () => channel.send({ kind: "done", id: message.id });
    const type = message.header.msg_type;
    if (type === "execute_request") return executions.enqueue(request, done);
    try {
      switch (type) {
        case "complete_request":
        case "inspect_request":
          await ready;
          if (type === "complete_request") handleComplete(language!, request);
          else handleInspect(language!, request);
          break;
        case "is_complete_request":
          await ready;
          handleIsComplete(request);
          break;
        case "history_request":
          handleHistory(history, request);
          break;
        case "comm_info_request":
        case "comm_open":
        case "comm_msg":
        case "comm_close":
          router.run(message.header, () => handleComm(comms, request));
          break;
        case "shutdown_request": {
          // Deprecated on shell since 5.x but still sent by some clients.
          const restart = Boolean(message.content.restart);
          request.reply("shutdown_reply", { status: "ok", restart });
          done();
          shutdown();
          return;
        }
        default:
          log(`unknown message type "${type}" ignored`);
          if (type.endsWith("_request")) {
            request.reply(type.replace(/_request$/, "_reply"), {
              status: "error",
              ename: "UnknownMessageType",
              evalue: `tsamp does not handle "${type}"`,
              traceback: [],
            });
          }
      }
    } catch (err) {
      log(`${type} failed: ${(err as Error).stack ?? String(err)}`);
      request.reply(type.replace(/_request$/, "_reply"), { status: "error", ename: "InternalError", evalue: String((err as Error).message ?? err), traceback: [] });
    } finally {
      done();
    }
  }

  function shutdown(): void {
    router.flush();
    channel.send({ kind: "closed" });
  }

  function onMessage(message: ToInterpreter): void {
    switch (message.kind) {
      case "request":
        void handle(message);
        return;
      case "interrupt":
        channel.acknowledgeInterrupt(message.seq);
        for (const [id, waiter] of inputWaiters) {
          inputWaiters.delete(id);
          waiter.reject(new Error("interrupted while waiting for input"));
        }
        executions.interrupt();
        return;
      case "input_reply": {
        const waiter = inputWaiters.get(message.inputId);
        inputWaiters.delete(message.inputId);
        if (message.error) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.value);
        return;
      }
      case "shutdown":
        shutdown();
        return;
    }
  }
}
