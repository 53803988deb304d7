// Turns iopub messages into nbformat outputs, the way nbclient does: streams of the same name that
// follow each other merge into one output, clear_output (also with wait) empties a cell's outputs,
// and update_display_data rewrites every output, in any cell, shown earlier with the same display
// id. Output is routed by the request it is parented to, so text printed by a timer after its cell
// finished still lands in that cell. Pure data in, data out: no sockets here.
import type { Output, MimeBundle } from "./notebook-format.js";

/** The parts of an iopub message the collector reads (a parsed wire Message fits). */
export interface IopubMessage {
  header: { msg_type: string };
  parent_header: { msg_id?: string };
  content: Record<string, unknown>;
}

/** The outputs of one execute request. The `outputs` array is live: late output is appended to it. */
export interface OutputTarget {
  readonly msgId: string;
  readonly outputs: Output[];
  /** From execute_input; null until it arrives. */
  executionCount: number | null;
  /** A clear_output with wait=true arrived: clear just before the next output. */
  clearPending: boolean;
}

interface DisplayRef {
  target: OutputTarget;
  output: Extract<Output, { data: MimeBundle }>;
}

/** `abc\rxyz` shows as `xyz`: keep what a terminal would, so progress bars do not bloat notebooks
 * (nbconvert's coalesce_streams rule: text before a carriage return not followed by a newline goes). */
export function collapseCarriageReturns(text: string): string {
  return text.includes("\r") ? text.replace(/[^\n]*\r(?=[^\n])/g, "") : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class OutputCollector {
  private readonly targets = new Map<string, OutputTarget>();
  private readonly displays = new Map<string, DisplayRef[]>();

  /** Starts collecting for the request with this msg_id; outputs go into `outputs` (a new list when omitted). */
  track(msgId: string, outputs: Output[] = []): OutputTarget {
    const target: OutputTarget = { msgId, outputs, executionCount: null, clearPending: false };
    this.targets.set(msgId, target);
    return target;
  }

  target(msgId: string): OutputTarget | undefined {
    return this.targets.get(msgId);
  }

  /** Applies one iopub message; returns whether it changed or could change any outputs. */
  handle(message: IopubMessage): boolean {
    const type = message.header.msg_type;
    const content = message.content;
    if (type === "update_display_data") return this.updateDisplay(content);
    const target = message.parent_header.msg_id ? this.targets.get(message.parent_header.msg_id) : undefined;
    if (!target) return false;
    switch (type) {
      case "execute_input":
        if (typeof content.execution_count === "number") target.executionCount = content.execution_count;
        return false;
      case "clear_output":
        if (content.wait) target.clearPending = true;
        else this.clear(target);
        return true;
      case "stream": {
        const name = String(content.name ?? "stdout");
        const text = typeof content.text === "string" ? content.text : String(content.text ?? "");
        this.beforeOutput(target);
        const last = target.outputs[target.outputs.length - 1];
        if (last?.output_type === "stream" && last.name === name) last.text = collapseCarriageReturns(last.text + text);
        else target.outputs.push({ output_type: "stream", name, text: collapseCarriageReturns(text) });
        return true;
      }
      case "display_data":
      case "execute_result": {
        this.beforeOutput(target);
        const data = isObject(content.data) ? content.data : {};
        const metadata = isObject(content.metadata) ? content.metadata : {};
        const output: DisplayRef["output"] =
          type === "display_data"
            ? { output_type: "display_data", data, metadata }
            : {
                output_type: "execute_result",
                data,
                metadata,
                execution_count: typeof content.execution_count === "number" ? content.execution_count : target.executionCount,
              };
        target.outputs.push(output);
        const displayId = isObject(content.transient) ? content.transient.display_id : undefined;
        if (typeof displayId === "string" && displayId) {
          const refs = this.displays.get(displayId) ?? [];
          refs.push({ target, output });
          this.displays.set(displayId, refs);
        }
        return true;
      }
      case "error":
        this.beforeOutput(target);
        target.outputs.push({
          output_type: "error",
          ename: String(content.ename ?? "Error"),
          evalue: String(content.evalue ?? ""),
          traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
        });
        return true;
      default:
        return false;
    }
  }

  private beforeOutput(target: OutputTarget): void {
    if (target.clearPending) {
      target.clearPending = false;
      this.clear(target);
    }
  }

  private clear(target: OutputTarget): void {
    target.outputs.length = 0;
    target.clearPending = false;
    for (const [id, refs] of this.displays) {
      const kept = refs.filter((ref) => ref.target !== target);
      if (kept.length) this.displays.set(id, kept);
      else this.displays.delete(id);
    }
  }

  private updateDisplay(content: Record<string, unknown>): boolean {
    const displayId = isObject(content.transient) ? content.transient.display_id : undefined;
    const refs = typeof displayId === "string" ? this.displays.get(displayId) : undefined;
    if (!refs) return false;
    for (const { output } of refs) {
      output.data = isObject(content.data) ? content.data : {};
      output.metadata = isObject(content.metadata) ? content.metadata : {};
    }
    return true;
  }
}
