import { describe, expect, it } from "vitest";
import { isComplete } from "../../kernel/language/is-complete.js";

describe("isComplete", () => {
  it.each([
    "const x = 1",
    "await fetchSomething()",
    "class A {}\nnew A();",
    "",
    "%time\nconst y = 2;",
    "%who",
    "?Math.floor",
    "display?",
  ])("complete: %j", (code) => {
    expect(isComplete(code)).toEqual({ status: "complete" });
  });

  it.each([
    ["function f() {", "  "],
    ["foo(1,", ""],
    ["const list = [1, 2", ""],
    ["const s = `a ${", "  "],
    ["'continued \\", ""],
    ["const total = a +", ""],
    ["if (ready)", ""],
    ["/* an open comment", ""],
    ["class A {\n  m() {", "    "],
    ["for await (const x of xs) {", "  "],
  ])("incomplete: %j", (code, indent) => {
    expect(isComplete(code)).toEqual({ status: "incomplete", indent });
  });

  it.each(["const = 1;\nfoo(", "x = )", "'unterminated", "let 1x = 2;"])("invalid: %j", (code) => {
    expect(isComplete(code).status).toBe("invalid");
  });
});
