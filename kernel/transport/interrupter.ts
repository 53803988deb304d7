// Interrupting the interpreter from the server thread.
//
// A cell waiting on a promise leaves the main thread idle: a plain "interrupt" message reaches it and
// it abandons the wait. A cell spinning in a synchronous loop never reads messages, so when the
// interrupt is not acknowledged quickly we ask V8, through the inspector session this thread holds
// on the main thread, to terminate the JavaScript running there (Runtime.terminateExecution; the
// main thread's state survives: V8 cancels the termination once the stack has unwound). Then the
// queued interrupt message is read and the cell reported as interrupted.
//
// In interrupt_mode "signal" Jupyter sends SIGINT to the process. Node delivers signals only to the
// main thread's event loop, which a busy loop blocks, so this thread opens its own libuv signal
// handle (the internal signal_wrap binding; the public process.on("SIGINT") is refused in workers).
import { Session } from "node:inspector";
import { log } from "../log.js";
import type { ToInterpreter } from "./bridge.js";

const ACK_WAIT_MS = 100;
const MAX_TERMINATIONS = 20;
/** Slots of the shared Int32Array (kernel/execution/interrupt-safety.ts writes slot 1). */
const ACK_SLOT = 0;
const PROTECTED_SLOT = 1;

interface SignalHandle {
  onsignal: (signum: number) => void;
  start(signum: number): number;
  close(): void;
  unref(): void;
}

export class Interrupter {
  private readonly flags: Int32Array;
  private seq = 0;
  private session: Session | null = null;
  private signal: SignalHandle | null = null;
  private running: Promise<void> | null = null;

  constructor(
    ackBuffer: SharedArrayBuffer,
    private readonly post: (message: ToInterpreter) => void,
  ) {
    this.flags = new Int32Array(ackBuffer);
  }

  /** Interrupt whatever runs now; resolves once the interpreter acknowledged (or gave up trying). */
  interrupt(): Promise<void> {
    // Several interrupts in a row (a user hammering the button) coalesce into one.
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    const seq = ++this.seq;
    this.post({ kind: "interrupt", seq, terminated: false });
    for (let attempt = 0; attempt < MAX_TERMINATIONS; ) {
      if (await this.acknowledged(seq, ACK_WAIT_MS)) return;
      // The kernel's own loading or type-checking is running: it reads the message when done.
      if (Atomics.load(this.flags, PROTECTED_SLOT) > 0) continue;
      attempt++;
      this.terminateMainThread();
      // The termination only unwinds the stack; the interrupt message that follows is what the
      // interpreter acknowledges. Re-send it in case the termination swallowed its handler.
      this.post({ kind: "interrupt", seq, terminated: true });
    }
    log("interrupt: the interpreter did not acknowledge after repeated terminations");
  }

  private async acknowledged(seq: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (Atomics.load(this.flags, ACK_SLOT) >= seq) return true;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return Atomics.load(this.flags, ACK_SLOT) >= seq;
  }

  private terminateMainThread(): void {
    if (!this.session) {
      this.session = new Session();
      this.session.connectToMainThread();
    }
    this.session.post("Runtime.terminateExecution", (err) => {
      if (err) log(`interrupt: terminateExecution failed: ${err.message}`);
    });
  }

  listenForSigint(): void {
    try {
      const binding = (process as unknown as { binding(name: string): { Signal: new () => SignalHandle } }).binding(
        "signal_wrap",
      );
      const handle = new binding.Signal();
      handle.onsignal = () => void this.interrupt();
      const rc = handle.start(2 /* SIGINT */);
      if (rc !== 0) throw new Error(`uv_signal_start returned ${rc}`);
      handle.unref();
      this.signal = handle;
    } catch (err) {
      log(`SIGINT cannot be watched off the main thread (${(err as Error).message}); use interrupt_mode "message"`);
    }
  }

  close(): void {
    this.signal?.close();
    this.session?.disconnect();
    this.session = null;
  }
}
