import vm from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { CellCompileError, compileCell, type CellResult, type CellRuntime } from "../../kernel/execution/transform.js";
import { formatError } from "../../kernel/execution/stacktrace.js";

// Cells run in this very realm, as in the kernel; every name they declare is removed afterwards.
const declared = new Set<string>();
const imported: string[] = [];
const runtime: CellRuntime = {
  declare(names) {
    for (const name of names) {
      declared.add(name);
      if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = undefined;
    }
  },
  import(specifier) {
    imported.push(specifier);
    return import(specifier);
  },
};
const g = globalThis as Record<string, unknown>;

afterAll(() => {
  for (const name of declared) delete g[name];
});

let count = 1000;
async function run(source: string, filename = `cell-${++count}.ts`): Promise<CellResult> {
  const compiled = compileCell(source, { filename });
  const fn = vm.runInThisContext(compiled.code, { filename }) as (hooks: CellRuntime) => Promise<CellResult>;
  return fn(runtime);
}

async function value(source: string): Promise<unknown> {
  const result = await run(source);
  if (!result.hasValue) throw new Error("cell has no value");
  return result.value;
}

async function failure(source: string, filename?: string): Promise<unknown> {
  try {
    await run(source, filename);
  } catch (err) {
    return err;
  }
  throw new Error("cell did not throw");
}

describe("persistent top-level scope", () => {
  it("keeps const, let and var across cells", async () => {
    await run("const tA = 1;\nlet tB: number = 2;\nvar tC = 3;");
    expect(await value("tA + tB + tC")).toBe(6);
    await run("tB = 20;");
    expect(g.tB).toBe(20);
  });

  it("re-runs a cell that declares const, and lets a later cell redeclare it with another type", async () => {
    const cell = "const tX = 1;";
    await run(cell);
    await run(cell);
    expect(g.tX).toBe(1);
    await run('const tX = "s";');
    expect(await value("tX.toUpperCase()")).toBe("S");
  });

  it("assigns destructuring patterns to globals", async () => {
    await run("const { a: tDa, b: [tDb, , ...tDr], c: tDc = 9, ...tDrest } = { a: 1, b: [2, 0, 3, 4], d: 5 };");
    expect([g.tDa, g.tDb, g.tDr, g.tDc, g.tDrest]).toEqual([1, 2, [3, 4], 9, { d: 5 }]);
    await run("let [tDx, tDy = 7] = [1];");
    expect([g.tDx, g.tDy]).toEqual([1, 7]);
  });

  it("hoists function declarations and keeps them for later cells", async () => {
    expect(await value("const tR = tDouble(21);\nfunction tDouble(x: number) { return x * 2; }\ntR")).toBe(42);
    expect(await value("tDouble(4)")).toBe(8);
    expect(await value("async function tLater() { return 5; }\nawait tLater()")).toBe(5);
  });

  it("keeps classes, including TypeScript parameter properties", async () => {
    await run("class TPoint { constructor(public x: number, private y = 2) {} sum() { return this.x + this.y; } }");
    expect(await value("new TPoint(3).sum()")).toBe(5);
    expect(await value("TPoint.name")).toBe("TPoint");
  });

  it("keeps enums and namespaces; a later enum of the same name replaces it", async () => {
    await run("enum TColor { Red, Green = 5 }\nenum TColor { Blue = 7 }");
    expect(await value("[TColor.Red, TColor.Green, TColor[7]]")).toEqual([0, 5, "Blue"]);
    await run("enum TColor { Cyan }");
    expect(await value("[TColor.Cyan, (TColor as any).Green]")).toEqual([0, undefined]);
    await run("namespace TGeo { export const unit = 1; export function twice(x: number) { return 2 * x; } }");
    expect(await value("TGeo.twice(TGeo.unit)")).toBe(2);
  });

  it("resets `let x;` but keeps `var x;`, as JavaScript does", async () => {
    await run("var tV = 1;\nlet tL = 1;");
    await run("var tV;\nlet tL;");
    expect([g.tV, g.tL]).toEqual([1, undefined]);
  });

  it("treats var in top-level loops and blocks as top-level", async () => {
    await run("for (var tI = 0; tI < 3; tI++) { var tLast = tI; }\nfor (var tKey in { k: 1 }) {}\nfor (var [tK2] of [[5]]) {}");
    expect([g.tI, g.tLast, g.tKey, g.tK2]).toEqual([3, 2, "k", 5]);
  });

  it("strips export modifiers", async () => {
    await run("export const tE = 1;\nexport function tEf() { return 2; }\nexport class TEc {}");
    expect(await value("tE + tEf() + (new TEc() ? 1 : 0)")).toBe(4);
  });
});

describe("code TypeScript lowers with helpers", () => {
  it("runs decorated classes and top-level using", async () => {
    const decorated = await value(
      [
        "function shout(method: any, _ctx: ClassMethodDecoratorContext) { return function (this: any) { return String(method.call(this)).toUpperCase(); }; }",
        "class TGreeter { @shout greet() { return 'hi'; } }",
        "new TGreeter().greet()",
      ].join("\n"),
    );
    expect(decorated).toBe("HI");
    const log: string[] = [];
    g.tLog = log;
    await run("using tRes = { [Symbol.dispose]() { (tLog as string[]).push('disposed'); } };\nconst tAfter = 1;");
    expect([log, g.tAfter]).toEqual([["disposed"], 1]);
    delete g.tLog;
  });
});

describe("cell values", () => {
  it("is the last expression statement, with or without a semicolon", async () => {
    expect(await run("1 + 1")).toEqual({ hasValue: true, value: 2 });
    expect(await run("const tQ = 2;\ntQ * 3;")).toEqual({ hasValue: true, value: 6 });
    expect(await run("// only a comment")).toEqual({ hasValue: false });
  });

  it("does not exist when the cell ends in a declaration", async () => {
    expect(await run("1;\nconst tNo = 1;")).toEqual({ hasValue: false });
    expect(await run("1;\nfunction tNoF() {}")).toEqual({ hasValue: false });
    expect(await run("1;\ninterface TNoI { a: number }")).toEqual({ hasValue: false });
  });

  it("is a Promise itself, not what it resolves to", async () => {
    const result = await run("Promise.resolve(5)");
    expect(result.hasValue).toBe(true);
    expect(result.hasValue && result.value).toBeInstanceOf(Promise);
  });

  it("supports top-level await and for await", async () => {
    expect(await value("const tW = await Promise.resolve(7);\ntW")).toBe(7);
    const sum = await value(
      "async function* tGen() { yield 1; yield 2; yield 3; }\nlet tSum = 0;\nfor await (const v of tGen()) tSum += v;\ntSum",
    );
    expect(sum).toBe(6);
  });
});

describe("imports", () => {
  it("binds namespace, named and default imports through hooks.import, for later cells", async () => {
    imported.length = 0;
    await run(
      'import * as tPath from "node:path";\nimport { join as tJoin, sep as tSep } from "node:path";\nimport tTs, { ScriptTarget as tTarget } from "typescript";',
    );
    expect(imported).toEqual(["node:path", "node:path", "typescript"]);
    expect(await value('tPath.basename("/a/b.ts") + tJoin("x", "y").length + tSep')).toBe("b.ts3/");
    expect(await value("typeof tTs.createSourceFile")).toBe("function");
    expect(await value("tTarget.ES2022")).toBeGreaterThan(0);
  });

  it("drops `import type` and type-only specifiers, keeps side-effect imports, routes import()", async () => {
    imported.length = 0;
    const compiled = compileCell('import type { CompilerOptions } from "typescript";\nimport { type ScriptTarget } from "typescript";', {
      filename: "cell-types.ts",
    });
    expect(compiled.declaredNames).toEqual([]);
    expect(compiled.code).not.toContain("import(");
    await run('import "node:os";\nconst tOs = await import("node:os");');
    expect(imported).toEqual(["node:os", "node:os"]);
    expect(typeof (g.tOs as { platform: unknown }).platform).toBe("function");
  });
});

describe("errors", () => {
  it("rejects a syntax error with its cell position", () => {
    let caught: unknown;
    try {
      compileCell("const a = 1;\nconst = 2;", { filename: "cell-bad.ts" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CellCompileError);
    expect((caught as CellCompileError).line).toBe(2);
    const formatted = formatError(caught, { color: false });
    expect(formatted.ename).toBe("SyntaxError");
    expect(formatted.traceback.join("\n")).toContain("2 | const = 2;");
  });

  it("points a throw at the cell's line and column, with a caret", async () => {
    const err = await failure('const tT = 1;\n\nthrow new Error("boom");', "cell-7.ts");
    const formatted = formatError(err, { color: false });
    expect(formatted.ename).toBe("Error");
    expect(formatted.evalue).toBe("boom");
    const text = formatted.traceback.join("\n");
    expect(text).toContain("at Cell [7], line 3:7");
    expect(text).toContain('3 | throw new Error("boom");\n          ^');
  });

  it("shows both cells when a function from an earlier cell fails in a later one", async () => {
    await run("function tFail(o: any) {\n  return o.missing.deeper;\n}", "cell-1.ts");
    const err = await failure("const tInput = {};\ntFail(tInput);", "cell-2.ts");
    const text = formatError(err, { color: false }).traceback.join("\n");
    expect(text).toContain("at tFail (Cell [1], line 2:20)");
    expect(text).toContain("at Cell [2], line 2:1");
    expect(text).toMatch(/Cell \[1\], line 2:20\n2 \| {3}return o\.missing\.deeper;/);
    expect(text).not.toContain("kernel/execution");
  });

  it("keeps positions after an await", async () => {
    await run("function tFailLater() { throw new RangeError('late'); }", "cell-3.ts");
    const err = await failure("await null;\n\ntFailLater();", "cell-4.ts");
    const formatted = formatError(err, { color: false });
    expect(formatted.ename).toBe("RangeError");
    expect(formatted.traceback.join("\n")).toContain("at Cell [4], line 3:1");
  });

  it("handles thrown non-Error values and colours by default", async () => {
    const str = formatError(await failure('throw "plain string";'));
    expect(str.ename).toBe("Uncaught");
    expect(str.evalue).toBe("'plain string'");
    expect(str.traceback[0]).toContain("\x1b[");
    const obj = formatError({ code: 42 }, { color: false });
    expect(obj.evalue).toBe("{ code: 42 }");
  });

  it("follows error causes", async () => {
    const err = await failure('throw new Error("outer", { cause: new TypeError("inner") });');
    const text = formatError(err, { color: false }).traceback.join("\n");
    expect(text).toContain("Caused by:\nTypeError: inner");
  });
});
