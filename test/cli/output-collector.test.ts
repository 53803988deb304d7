import { describe, expect, it } from "vitest";
import { collapseCarriageReturns, OutputCollector, type IopubMessage } from "../../kernel/cli/client-outputs.js";

const msg = (parent: string, msg_type: string, content: Record<string, unknown>): IopubMessage => ({
  header: { msg_type },
  parent_header: { msg_id: parent },
  content,
});
const stream = (parent: string, name: string, text: string) => msg(parent, "stream", { name, text });
const display = (parent: string, data: Record<string, unknown>, id?: string) =>
  msg(parent, "display_data", { data, metadata: {}, transient: id ? { display_id: id } : {} });

describe("OutputCollector", () => {
  it("merges consecutive streams of the same name, and only those", () => {
    const c = new OutputCollector();
    const t = c.track("m1");
    c.handle(stream("m1", "stdout", "a\n"));
    c.handle(stream("m1", "stdout", "b\n"));
    c.handle(stream("m1", "stderr", "warn\n"));
    c.handle(stream("m1", "stdout", "c\n"));
    c.handle(display("m1", { "text/plain": "x" }));
    c.handle(stream("m1", "stdout", "d\n"));
    expect(t.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "a\nb\n" },
      { output_type: "stream", name: "stderr", text: "warn\n" },
      { output_type: "stream", name: "stdout", text: "c\n" },
      { output_type: "display_data", data: { "text/plain": "x" }, metadata: {} },
      { output_type: "stream", name: "stdout", text: "d\n" },
    ]);
  });

  it("routes by parent: output of other or unknown requests stays out, late output reaches its cell", () => {
    const c = new OutputCollector();
    const first = c.track("m1");
    const second = c.track("m2");
    c.handle(stream("m2", "stdout", "second\n"));
    c.handle(stream("m1", "stdout", "late timer output\n"));
    c.handle(stream("nobody", "stdout", "dropped\n"));
    expect(first.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "late timer output\n" }]);
    expect(second.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "second\n" }]);
  });

  it("keeps what a terminal shows for carriage-return progress", () => {
    const c = new OutputCollector();
    const t = c.track("m1");
    c.handle(stream("m1", "stdout", "10%\r"));
    c.handle(stream("m1", "stdout", "50%\r"));
    c.handle(stream("m1", "stdout", "100%\ndone\r\n"));
    expect(t.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "100%\ndone\r\n" }]);
    expect(collapseCarriageReturns("a\rb\nc\rd")).toBe("b\nd");
  });

  it("records execute_result with its count, and errors", () => {
    const c = new OutputCollector();
    const t = c.track("m1");
    c.handle(msg("m1", "execute_input", { code: "6*7", execution_count: 4 }));
    c.handle(msg("m1", "execute_result", { data: { "text/plain": "42" }, metadata: {}, execution_count: 4 }));
    c.handle(msg("m1", "error", { ename: "E", evalue: "v", traceback: ["t1", "t2"] }));
    c.handle(msg("m1", "status", { execution_state: "idle" }));
    expect(t.executionCount).toBe(4);
    expect(t.outputs).toEqual([
      { output_type: "execute_result", data: { "text/plain": "42" }, metadata: {}, execution_count: 4 },
      { output_type: "error", ename: "E", evalue: "v", traceback: ["t1", "t2"] },
    ]);
  });

  it("update_display_data rewrites every output with that display id, in any cell", () => {
    const c = new OutputCollector();
    const a = c.track("m1");
    const b = c.track("m2");
    c.handle(display("m1", { "text/plain": "step 0" }, "progress"));
    c.handle(display("m1", { "text/plain": "other" }, "other"));
    c.handle(display("m2", { "text/plain": "step 0 again" }, "progress"));
    c.handle(display("m2", { "text/plain": "no id" }));
    // the update may be parented to any request, even one the collector does not track
    expect(c.handle(msg("m3", "update_display_data", { data: { "text/plain": "step 9" }, metadata: { m: 1 }, transient: { display_id: "progress" } }))).toBe(true);
    expect(a.outputs.map((o) => ("data" in o ? o.data["text/plain"] : null))).toEqual(["step 9", "other"]);
    expect(b.outputs.map((o) => ("data" in o ? o.data["text/plain"] : null))).toEqual(["step 9", "no id"]);
    expect(a.outputs[0]).toEqual({ output_type: "display_data", data: { "text/plain": "step 9" }, metadata: { m: 1 } });
    // an update never adds an output, and an unknown id changes nothing
    expect(c.handle(msg("m1", "update_display_data", { data: { "text/plain": "?" }, metadata: {}, transient: { display_id: "nope" } }))).toBe(false);
    expect(a.outputs).toHaveLength(2);
    // transient is not part of the stored output
    expect(JSON.stringify(a.outputs)).not.toContain("transient");
  });

  it("clear_output empties the cell now, or with wait=true just before the next output", () => {
    const c = new OutputCollector();
    const t = c.track("m1");
    c.handle(stream("m1", "stdout", "old\n"));
    c.handle(msg("m1", "clear_output", { wait: false }));
    expect(t.outputs).toEqual([]);

    c.handle(display("m1", { "text/plain": "frame 1" }));
    c.handle(msg("m1", "clear_output", { wait: true }));
    expect(t.outputs).toHaveLength(1); // still shown until something replaces it
    c.handle(display("m1", { "text/plain": "frame 2" }));
    expect(t.outputs).toEqual([{ output_type: "display_data", data: { "text/plain": "frame 2" }, metadata: {} }]);
  });

  it("a pending wait-clear is not triggered by update_display_data, and cleared outputs are no longer updated", () => {
    const c = new OutputCollector();
    const t = c.track("m1");
    c.handle(display("m1", { "text/plain": "v1" }, "d"));
    c.handle(msg("m1", "clear_output", { wait: true }));
    c.handle(msg("m1", "update_display_data", { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "d" } }));
    expect(t.outputs).toHaveLength(1);
    expect(t.outputs[0]).toMatchObject({ data: { "text/plain": "v2" } });
    c.handle(stream("m1", "stdout", "after\n"));
    expect(t.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "after\n" }]);
    expect(c.handle(msg("m1", "update_display_data", { data: { "text/plain": "v3" }, metadata: {}, transient: { display_id: "d" } }))).toBe(false);
  });

  it("collects into the list it is given (the cell's own outputs array)", () => {
    const c = new OutputCollector();
    const cellOutputs: never[] = [];
    c.track("m1", cellOutputs);
    c.handle(stream("m1", "stdout", "x"));
    expect(cellOutputs).toHaveLength(1);
  });
});
