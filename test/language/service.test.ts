import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotebookLanguageService } from "../../kernel/language/service.js";

// The notebook folder is an empty temporary folder: packages and @types/node must come from the
// fallback root (this repository), as they do for a notebook anywhere on disk.
const REPO = path.resolve(import.meta.dirname, "../..");
const PRELUDE = "declare global {\n  /** Shows a value. */\n  const display: (value: unknown) => void;\n}\n";
let folder: string;
let ls: NotebookLanguageService;

beforeAll(() => {
  folder = mkdtempSync(path.join(tmpdir(), "tsamp-ls-"));
  ls = new NotebookLanguageService({ cwd: folder, preludeDts: PRELUDE, fallbackModuleRoots: [REPO] });
});

afterAll(() => {
  ls.dispose();
  rmSync(folder, { recursive: true, force: true });
});

/** Checks a cell, expects it to be clean, and commits it (as the kernel does when it runs). */
function run(source: string): void {
  expect(ls.check(source)).toEqual([]);
  ls.commit(source);
}

describe("diagnostics", () => {
  it("points a type error at the cell's line and column", () => {
    const [d, ...rest] = ls.check("const a = 1;\nconst b: string = a;");
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ line: 2, column: 7, endLine: 2, endColumn: 8, code: 2322, category: "error" });
    expect(d!.message).toBe("Type 'number' is not assignable to type 'string'.");
  });

  it("reports syntax errors with their position", () => {
    const [d] = ls.check("const ok = 1;\nconst = 2;");
    expect(d).toMatchObject({ line: 2, column: 7, category: "error" });
  });

  it("flattens message chains", () => {
    const [d] = ls.check("const o: { a: { b: number } } = { a: { b: 'x' } };");
    expect(d!.code).toBe(2322);
    expect(d!.message).toContain("string");
  });

  it("accepts top-level await, for await, type-only cells and the prelude", () => {
    expect(ls.check("await Promise.resolve(1);\nfor await (const v of [Promise.resolve(1)]) v.toFixed();")).toEqual([]);
    expect(ls.check("interface OnlyType { a: number }\ntype Alias = OnlyType[];")).toEqual([]);
    expect(ls.check("display(1);")).toEqual([]);
  });

  it("resolves node: builtins and packages from the fallback root", () => {
    const cell = 'import { join } from "node:path";\nimport { SourceMapConsumer } from "source-map-js";\nconst v: string = join("a");\nSourceMapConsumer.GREATEST_LOWER_BOUND.toFixed();';
    expect(ls.check(cell)).toEqual([]);
    const [missing] = ls.check('import nope from "no-such-package-tsamp";');
    expect(missing!.code).toBe(2307);
  });
});

describe("earlier cells", () => {
  it("knows a committed name with its type", () => {
    run("const counted = 1 + 1;");
    const info = ls.quickInfo("counted", "counted".length);
    expect(info.found).toBe(true);
    expect(info.plain).toBe("const counted: number");
    expect(info.markdown).toContain("```typescript\nconst counted: number\n```");
    const [d] = ls.check('const s: string = counted;');
    expect(d!.code).toBe(2322);
  });

  it("lets a later cell redeclare a const with another type", () => {
    run("const redo = 1;");
    run('const redo = "s";');
    expect(ls.check("redo.toUpperCase();")).toEqual([]);
    expect(ls.check("const n: number = redo;")[0]?.code).toBe(2322);
    run("let redo = [1, 2];");
    expect(ls.check("redo.push(3);")).toEqual([]);
  });

  it("carries classes, interfaces, types, enums, namespaces and functions over", () => {
    run(
      [
        "interface Point { x: number; y: number }",
        "type Pair<T> = [T, T];",
        "enum Dir { Up, Down = 5 }",
        "class Vec<T> { constructor(public items: T[]) {} first(): T | undefined { return this.items[0]; } }",
        "/** Adds two numbers. */\nfunction add(a: number, b: number): number { return a + b; }",
        "namespace Geo { export const unit = 1; }",
        "let mutable = 1;",
        "const { left, right: [inner] } = { left: 'l', right: [2] };",
        "for (var loopVar = 0; loopVar < 1; loopVar++) {}",
      ].join("\n"),
    );
    expect(
      ls.check(
        [
          "const p: Point = { x: 1, y: add(1, 2) };",
          "const pr: Pair<string> = ['a', 'b'];",
          "const d: Dir = Dir.Down;",
          "const first: number | undefined = new Vec([1]).first();",
          "mutable = Geo.unit + inner + loopVar;",
          "left.toUpperCase();",
        ].join("\n"),
      ),
    ).toEqual([]);
    expect(ls.check("const bad: Point = { x: 1 };")[0]?.code).toBe(2741);
    const info = ls.quickInfo("add(1, 2)", 3);
    expect(info.plain).toContain("function add(a: number, b: number): number");
    expect(info.plain).toContain("Adds two numbers.");
  });

  it("checks a re-run cell cleanly, also one with its own declare global", () => {
    const cell = "declare global { const kernelFlag: number; class GlobalThing {} }\nimport * as os from 'node:os';\nenum Mode { A }\nconst once = os.EOL;";
    run(cell);
    run(cell);
    expect(ls.check("const m: Mode = Mode.A;\nkernelFlag.toFixed();\nnew GlobalThing();")).toEqual([]);
  });

  it("makes an import of one cell usable in the next", () => {
    run('import * as path from "node:path";\nimport { readFileSync } from "node:fs";\nimport type { Stats } from "node:fs";');
    expect(ls.check('const j: string = path.join("a", "b");\nconst st: Stats | undefined = undefined;\nreadFileSync;')).toEqual([]);
    expect(ls.quickInfo("path", 4).plain).not.toContain("__tsamp");
  });
});

describe("quick info", () => {
  it("shows signature, documentation and JSDoc tags", () => {
    run("/**\n * Scales a value.\n * @param v the value\n * @returns v times k\n */\nfunction scale(v: number, k = 2) { return v * k; }");
    const info = ls.quickInfo("scale(3)", 2);
    expect(info.plain).toBe("function scale(v: number, k?: number): number\n\nScales a value.\n\n@param v the value\n@returns v times k");
    expect(info.markdown).toContain("```typescript\nfunction scale(v: number, k?: number): number\n```\n\nScales a value.");
  });

  it("describes the function being called inside its parentheses, and reports nothing found", () => {
    expect(ls.quickInfo("Math.max(", 9).plain).toContain("max(...values: number[]): number");
    expect(ls.quickInfo("   ", 1).found).toBe(false);
  });
});

describe("completion", () => {
  it("lists members after a dot, with types and signatures", () => {
    const result = ls.complete("Math.", 5);
    expect(result.matches).toContain("floor");
    expect(result.cursorStart).toBe(5);
    expect(result.cursorEnd).toBe(5);
    const narrowed = ls.complete("Math.flo", 8);
    expect(narrowed.matches).toEqual(["floor"]);
    expect(narrowed.cursorStart).toBe(5);
    expect(narrowed.items[0]).toMatchObject({ text: "floor", type: "method" });
    expect(narrowed.items[0]!.signature).toContain("floor(x: number): number");
  });

  it("lists names of earlier cells and of the prelude by prefix", () => {
    run("const myNotebookValue = { answer: 42 };");
    const result = ls.complete("const z = myNote", 16);
    expect(result.matches).toEqual(["myNotebookValue"]);
    expect([result.cursorStart, result.cursorEnd]).toEqual([10, 16]);
    expect(ls.complete("myNotebookValue.", 16).matches).toEqual(["answer"]);
    expect(ls.complete("displ", 5).matches).toContain("display");
  });
});
