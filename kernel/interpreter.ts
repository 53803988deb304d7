// The interpreter: the kernel's main thread. It listens on the server thread main.ts started, loads
// TypeScript and the library in the background, and dispatches requests to handlers. User code
// runs here.
import { fileURLToPath } from "node:url";
import type { Header, JsonObject } from "./protocol/messages.js";
import type { IncomingRequest, ToInterpreter } from "./transport/bridge.js";
import type { ServerChannel } from "./transport/channel.js";
import { OutputRouter } from "./display/output-router.js";
import { createDisplay } from "./display/display-api.js";
import { CommRegistry } from "./comm/registry.js";
import { HistoryStore } from "./history/store.js";
import type { RequestContext } from "./requests.js";
import { handleHistory } from "./handlers/history.js";
import { handleComm } from "./handlers/comm.js";
import type { LibrarySurface } from "./execution/engine.js";
import type { NotebookLanguageService } from "./language/service.js";
import { log } from "./log.js";
import { attachInterruptFlags, clearStaleAsyncContexts, protect } from "./execution/interrupt-safety.js";
import { abortCell, cellSignal, runningCell } from "./execution/cell-signal.js";

// TypeScript, the compiler-backed handlers and tfjs take hundreds of milliseconds to load. They are
// imported only after the server thread is up, so kernel_info is answered while they load.
async function loadHeavyModules() {
  const [execute, language, engine, imports, prelude, service] = await Promise.all([
    import("./handlers/execute.js"),
    import("./handlers/language.js"),
    import("./execution/engine.js"),
    import("./execution/imports.js"),
    import("./prelude.js"),
    import("./language/service.js"),
  ]);
  return { ...execute, ...language, ...engine, ...imports, ...prelude, ...service };
}
type HeavyModules = Awaited<ReturnType<typeof loadHeavyModules>>;

const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the kernel on a started server thread (see main.ts). */
export function startKernel(channel: ServerChannel): void {
  channel.listen(onMessage);
  const publish = (msg_type: string, content: JsonObject, parent: Header | null, metadata?: JsonObject, buffers?: Uint8Array[]) =>
    channel.send({ kind: "publish", msg_type, content, parent, metadata, buffers });

  attachInterruptFlags(channel.interruptFlags);
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
  let modules: HeavyModules | null = null;
  const cwd = process.cwd();
  const makeLanguage = () =>
    new modules!.NotebookLanguageService({ cwd, preludeDts: modules!.preludeDts(libraryNames), fallbackModuleRoots: [PACKAGE_ROOT] });

  const ready = protect(async () => {
    modules = await loadHeavyModules();
    const exports = await modules.loadLibrary();
    const installed = modules.installPrelude(exports, {
      display: createDisplay(router),
      input,
      comms,
      protect,
      get signal() {
        return cellSignal();
      },
      get cell() {
        return runningCell();
      },
    });
    libraryNames = installed.names;
    library = installed.surface;
    const backends = (exports as { backends?: { auto?: () => Promise<unknown> } }).backends;
    if (backends?.auto) await backends.auto();
    language = makeLanguage();
    // Warm the checker so the first real cell does not pay for loading lib.d.ts and tfjs types.
    language.check("const __warmup: number = 1;");
  });
  ready.catch((err: Error) => log(`startup failed: ${err.stack ?? err.message}`));

  const executions = ready.then(() => {
    const engine = new modules!.ExecutionEngine({
      language: () => (language ??= makeLanguage()),
      resetLanguage: () => (language = makeLanguage()),
      runtime: {
        declare: declareGlobals,
        import: modules!.createImporter(() => process.cwd()),
        meta: modules!.notebookImportMeta(cwd),
      },
      library: async () => library!,
    });
    return new modules!.ExecuteQueue({
      engine,
      router,
      history,
      setActiveRequest(request, allowStdin) {
        active = request ? { request, allowStdin } : null;
      },
    });
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
    // Executions finish (and go idle) when their cell does; everything else when its handler returns.
    let finishesHere = true;
    try {
      switch (type) {
        case "execute_request":
          finishesHere = false;
          (await executions).enqueue(request, done);
          return;
        case "complete_request":
          await ready;
          protect(() => modules!.handleComplete(language!, request));
          break;
        case "inspect_request":
          await ready;
          protect(() => modules!.handleInspect(language!, request));
          break;
        case "is_complete_request":
          await ready;
          modules!.handleIsComplete(request);
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
          finishesHere = false;
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
      finishesHere = true;
      log(`${type} failed: ${(err as Error).stack ?? String(err)}`);
      request.reply(type.replace(/_request$/, "_reply"), { status: "error", ename: "InternalError", evalue: String((err as Error).message ?? err), traceback: [] });
    } finally {
      if (finishesHere) done();
    }
  }

  function shutdown(): void {
    router.flush();
    channel.send({ kind: "closed" });
  }

  // process.exit() in a cell would tear the server thread down with its sockets open (zeromq
  // aborts on that). Close in order instead; the process exits with the code once the server is gone.
  process.exit = ((code?: number | string | null) => {
    if (code !== undefined && code !== null) process.exitCode = code;
    shutdown();
  }) as typeof process.exit;

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
        clearStaleAsyncContexts();
        abortCell();
        // Terminated mid-run, autocast's finally blocks never ran: put the backend's kernels back.
        if (message.terminated) resetAutocast(library);
        void executions.then((queue) => queue.interrupt());
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

/** Makes cell-declared names assignable globals (see kernel/execution/transform.ts). */
function declareGlobals(names: string[]): void {
  const scope = globalThis as Record<string, unknown>;
  for (const name of names) {
    const existing = Object.getOwnPropertyDescriptor(scope, name);
    if (existing && "value" in existing && existing.writable) continue;
    if (existing && !existing.configurable) continue;
    // Node's own globals (fetch, crypto, navigator) are accessors or read-only: a cell that declares
    // the same name replaces them with a plain variable, as a module-level declaration would shadow them.
    Object.defineProperty(scope, name, { value: undefined, writable: true, configurable: true, enumerable: false });
  }
}

function resetAutocast(library: LibrarySurface | null): void {
  const amp = (library as { amp?: { autocast?: { reset?: () => void } } } | null)?.amp;
  try {
    amp?.autocast?.reset?.();
  } catch (err) {
    log(`autocast reset after an interrupt failed: ${(err as Error).message}`);
  }
}
