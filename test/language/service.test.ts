import path from "node:path";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NotebookLanguageService } from "../../kernel/language/service.js";
import { REPO, temporaryNotebook } from "../helpers/notebook.js";

// The notebook folder is an empty temporary folder: packages and @types/node must come from the
// fallback root (this repository), as they do for a notebook anywhere on disk.
const PRELUDE = "declare global {\n  /** Shows a value. */\n  const display: (value: unknown) => void;\n}\n";
const notebook = temporaryNotebook(PRELUDE, "tsamp-ls-");

/** Checks a cell, expects it to be clean, and commits it (as the kernel does when it runs). */
function run(source: string): void {
  expect(notebook.ls.check(source)).toEqual([]);
  notebook.ls.commit(source);
}

describe("diagnostics", () => {
  it("points a type error at the cell's line and column", () => {
    const [d, ...rest] = notebook.ls.check("const a = 1;\nconst b: string = a;");
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ line: 2, column: 7, endLine: 2, endColumn: 8, code: 2322, category: "error" });
    expect(d!.message).toBe("Type 'number' is not assignable to type 'string'.");
  });

  it("reports syntax errors with their position", () => {
    const [d] = notebook.ls.check("const ok = 1;\nconst = 2;");
    expect(d).toMatchObject({ line: 2, column: 7, category: "error" });
  });

  it("flattens message chains", () => {
    const [d] = notebook.ls.check("const o: { a: { b: number } } = { a: { b: 'x' } };");
    expect(d!.code).toBe(2322);
    expect(d!.message).toContain("string");
  });

  it("accepts top-level await, for await, type-only cells and the prelude", () => {
    expect(notebook.ls.check("await Promise.resolve(1);\nfor await (const v of [Promise.resolve(1)]) v.toFixed();")).toEqual([]);
    expect(notebook.ls.check("interface OnlyType { a: number }\ntype Alias = OnlyType[];")).toEqual([]);
    expect(notebook.ls.check("display(1);")).toEqual([]);
  });

  it("resolves node: builtins and packages from the fallback root", () => {
    const cell = 'import { join } from "node:path";\nimport { SourceMapConsumer } from "source-map-js";\nconst v: string = join("a");\nSourceMapConsumer.GREATEST_LOWER_BOUND.toFixed();';
    expect(notebook.ls.check(cell)).toEqual([]);
    const [missing] = notebook.ls.check('import nope from "no-such-package-tsamp";');
    expect(missing!.code).toBe(2307);
  });
});

describe("earlier cells", () => {
  it("knows a committed name with its type", () => {
    run("const counted = 1 + 1;");
    const info = notebook.ls.quickInfo("counted", "counted".length);
    expect(info.found).toBe(true);
    expect(info.plain).toBe("const counted: number");
    expect(info.markdown).toContain("```typescript\nconst counted: number\n```");
    const [d] = notebook.ls.check('const s: string = counted;');
    expect(d!.code).toBe(2322);
  });

  it("lets a later cell redeclare a const with another type", () => {
    run("const redo = 1;");
    run('const redo = "s";');
    expect(notebook.ls.check("redo.toUpperCase();")).toEqual([]);
    expect(notebook.ls.check("const n: number = redo;")[0]?.code).toBe(2322);
    run("let redo = [1, 2];");
    expect(notebook.ls.check("redo.push(3);")).toEqual([]);
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
      notebook.ls.check(
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
    expect(notebook.ls.check("const bad: Point = { x: 1 };")[0]?.code).toBe(2741);
    const info = notebook.ls.quickInfo("add(1, 2)", 3);
    expect(info.plain).toContain("function add(a: number, b: number): number");
    expect(info.plain).toContain("Adds two numbers.");
  });

  it("checks a re-run cell cleanly, also one with its own declare global", () => {
    const cell = "declare global { const kernelFlag: number; class GlobalThing {} }\nimport * as os from 'node:os';\nenum Mode { A }\nconst once = os.EOL;";
    run(cell);
    run(cell);
    expect(notebook.ls.check("const m: Mode = Mode.A;\nkernelFlag.toFixed();\nnew GlobalThing();")).toEqual([]);
  });

  it("makes an import of one cell usable in the next", () => {
    run('import * as path from "node:path";\nimport { readFileSync } from "node:fs";\nimport type { Stats } from "node:fs";');
    expect(notebook.ls.check('const j: string = path.join("a", "b");\nconst st: Stats | undefined = undefined;\nreadFileSync;')).toEqual([]);
    expect(notebook.ls.quickInfo("path", 4).plain).not.toContain("__tsamp");
  });
});

describe("quick info", () => {
  it("shows signature, documentation and JSDoc tags", () => {
    run("/**\n * Scales a value.\n * @param v the value\n * @returns v times k\n */\nfunction scale(v: number, k = 2) { return v * k; }");
    const info = notebook.ls.quickInfo("scale(3)", 2);
    expect(info.plain).toBe("function scale(v: number, k?: number): number\n\nScales a value.\n\n@param v the value\n@returns v times k");
    expect(info.markdown).toContain("```typescript\nfunction scale(v: number, k?: number): number\n```\n\nScales a value.");
  });

  it("describes the function being called inside its parentheses, and reports nothing found", () => {
    expect(notebook.ls.quickInfo("Math.max(", 9).plain).toContain("max(...values: number[]): number");
    expect(notebook.ls.quickInfo("   ", 1).found).toBe(false);
  });
});

describe("completion", () => {
  it("lists members after a dot, with types and signatures", () => {
    const result = notebook.ls.complete("Math.", 5);
    expect(result.matches).toContain("floor");
    expect(result.cursorStart).toBe(5);
    expect(result.cursorEnd).toBe(5);
    const narrowed = notebook.ls.complete("Math.flo", 8);
    expect(narrowed.matches).toEqual(["floor"]);
    expect(narrowed.cursorStart).toBe(5);
    expect(narrowed.items[0]).toMatchObject({ text: "floor", type: "method" });
    expect(narrowed.items[0]!.signature).toContain("floor(x: number): number");
  });

  it("lists names of earlier cells and of the prelude by prefix", () => {
    run("const myNotebookValue = { answer: 42 };");
    const result = notebook.ls.complete("const z = myNote", 16);
    expect(result.matches).toEqual(["myNotebookValue"]);
    expect([result.cursorStart, result.cursorEnd]).toEqual([10, 16]);
    expect(notebook.ls.complete("myNotebookValue.", 16).matches).toEqual(["answer"]);
    expect(notebook.ls.complete("displ", 5).matches).toContain("display");
  });
});

describe("a long notebook", () => {
  // A service of its own: these tests look at how TypeScript rebuilds its program.
  // A module whose import augments the global scope (kept through the cell's imports shim).
  const long = temporaryNotebook(PRELUDE, "tsamp-ls-long-", (dir) =>
    writeFileSync(path.join(dir, "augment.ts"), "declare global { var augmentedByImport: number; }\nexport {};\n"),
  );
  const runCell = (source: string) => {
    expect(long.ls.check(source), source).toEqual([]);
    long.ls.commit(source);
  };

  /** Cell i of a notebook that cycles through every kind of top-level declaration. */
  function cell(i: number): string {
    switch (i % 10) {
      case 0:
        return `const c${i} = ${i};`;
      case 1:
        return `/** Doc ${i}. */\nfunction f${i}(x: number): string { return String(x + ${i}); }`;
      case 2:
        return `class K${i} { v = ${i}; twice() { return this.v * 2; } }`;
      case 3:
        return `interface I${i} { n: number }\ntype T${i} = I${i}[];\nenum E${i} { A, B }`;
      case 4:
        return `import { join as join${i} } from "node:path";\nimport * as fs${i} from "node:fs";\nimport assert${i} from "node:assert";`;
      case 5:
        return i % 20 === 5 ? `let shared = "s${i}";` : `const shared = [${i}];`;
      case 6:
        return `const gen${i} = new (await import("source-map-js")).SourceMapGenerator({ file: "f${i}" });`;
      case 7:
        return `const st${i} = (await import("node:fs")).statSync;\nconst as${i} = (await import("node:assert")).default;`;
      case 8:
        return `declare global { var glob${i}: number; interface GI${i} { g: string } }\nfor (var loop${i} = 0; loop${i} < 1; loop${i}++) {}`;
      default:
        return `class K${i - 7} { w = "re${i}"; }`; // redeclares the class of cell i - 7
    }
  }

  it("keeps every kind of declaration of 100 cells with its type", () => {
    runCell('import "./augment";');
    for (let i = 0; i < 100; i++) runCell(cell(i));
    expect(
      long.ls.check(
        [
          "const a: number = c90 + c0; const b: string = f91(1) + f1(2);",
          "const i: T93 = [{ n: 1 }]; const e: E93 = E93.B; const p: string = join94('a', 'b'); fs94.readFileSync; assert94(true);",
          "shared.push(1); const g: string = gen96.toString(); st97('.').isFile(); as97.ok(1);",
          "glob98.toFixed(); loop98.toFixed(); const gi: GI98 = { g: 'x' }; new K82().w.toUpperCase(); new K2().w.toUpperCase();",
          "augmentedByImport.toFixed();",
        ].join("\n"),
      ),
    ).toEqual([]);
    const wrong = long.ls.check("const w1: string = c90;\nconst w2: number = gen96;\nconst w3: number = st97;\nnew K92().twice();\nshared.toUpperCase();");
    expect(wrong.map((d) => [d.line, d.code])).toEqual([
      [1, 2322],
      [2, 2322],
      [3, 2322],
      [4, 2339],
      [5, 2339],
    ]);
    expect(wrong[1]!.message).toBe("Type 'SourceMapGenerator' is not assignable to type 'number'.");
    expect(long.ls.quickInfo("f91", 3).plain).toBe("function f91(x: number): string\n\nDoc 91.");
    expect(long.ls.quickInfo("gen96", 5).plain).toBe("const gen96: SourceMapGenerator");
    expect(long.ls.complete("gen96.toS", 9).matches).toEqual(["toString"]);
    expect(long.ls.complete("__tsa", 5).matches).toEqual([]); // the service's own globals stay hidden
    expect(long.ls.complete("const z = joi", 13).matches).toEqual(["join14", "join24", "join34", "join4", "join44", "join54", "join64", "join74", "join84", "join94"]);
  });

  it("reuses the whole program when a cell without imports is committed", () => {
    // (Asking for the program builds it: only ask right after a check.)
    let files = 0;
    /** Checks a cell; returns how TypeScript built the program, or "slots" when the root files changed. */
    const checked = (source: string) => {
      expect(long.ls.check(source), source).toEqual([]);
      const after = long.ls.programReuse();
      const slotsAdded = after.files !== files; // a new batch of contribution slots
      files = after.files;
      return slotsAdded ? "slots" : after.reuse;
    };
    // Plain cells, and cells whose declarations mention a module (`import("source-map-js").X`
    // in their declaration emit). Every cell of a loop imports the same (no) modules itself,
    // so the program only changes by the committed cell's contribution.
    const loops = [
      (i: number) => [`const plain${i}: number = ${i};`, `plain${i} + 1;`],
      (i: number) => [
        `const sm${i} = await import("source-map-js");\nconst gen${i} = new sm${i}.SourceMapGenerator();\nclass G${i} { g = gen${i}; }`,
        `const x = await import("source-map-js");\ngen${i}.toString();\nnew G${i}().g.toJSON();\nnew sm${i}.SourceMapGenerator();`,
      ],
    ];
    for (const loop of loops) {
      const reuse: string[] = [];
      for (let i = 0; i < 40; i++) {
        const [committed, next] = loop(i);
        reuse.push(checked(committed!));
        long.ls.commit(committed!);
        reuse.push(checked(next!));
      }
      // The first check of a loop changes the cell's own imports; the first declaration that
      // mentions a module adds that module's alias.
      expect(reuse.slice(3).filter((r) => r !== "slots")).toEqual(reuse.slice(3).filter((r) => r !== "slots").map(() => "complete"));
      expect(reuse.filter((r) => r === "complete").length).toBeGreaterThan(70);
    }
  });

  it("gives a package that declarations mention an alias, so contributions hold no import types", () => {
    // The aliasing check looks the package's file up in the program, which knows library files
    // under another name than resolution answers with (library-paths.ts).
    runCell('const smAlias = await import("source-map-js");\nconst genAlias = new smAlias.SourceMapGenerator();');
    expect(long.ls.moduleAliases()).toContain("source-map-js");
    expect(long.ls.check("const genAlias2: number = genAlias;")[0]?.message).toBe("Type 'SourceMapGenerator' is not assignable to type 'number'.");
  });

  it("answers a re-run of the last cell from the same program, and still sees a change", () => {
    runCell("let rerun = 1;");
    runCell("let rerun = 1;");
    expect(long.ls.check("let rerun = 1;")).toEqual([]);
    long.ls.commit("let rerun = 1;");
    expect(long.ls.check("const r: number = rerun;")).toEqual([]);
    runCell('let rerun = "now a string";');
    expect(long.ls.check("const r: number = rerun;")[0]?.code).toBe(2322);
    runCell("let rerun = 1;");
    expect(long.ls.check("const r: number = rerun;")).toEqual([]);
  });

  it("shares parsed files with another service in the same folder", async () => {
    const other = new NotebookLanguageService({ cwd: long.folder, preludeDts: PRELUDE, fallbackModuleRoots: [REPO] });
    try {
      other.check("const mine: string = 'x';");
      other.commit("const mine: string = 'x';");
      expect(other.check("const c: number = c90;")[0]?.code).toBe(2304);
      expect(long.ls.check("const m: string = mine;")[0]?.code).toBe(2304);
      expect(other.check("const m: string = mine;")).toEqual([]);
      expect(long.ls.check("const c: number = c90;")).toEqual([]);
    } finally {
      other.commit("const droppedWithTheService = 1;"); // pending when disposed: dropped
      other.dispose();
    }
    await new Promise(setImmediate);
    expect(long.ls.check("const c: number = c90;")).toEqual([]);
  });

  it("commits when the event loop is next free, and before any later request", async () => {
    long.ls.commit("const committedWhenIdle = 1;");
    await new Promise(setImmediate);
    expect(long.ls.check("const n: number = committedWhenIdle;")).toEqual([]);
    long.ls.commit('const committedWhenIdle = "s";');
    expect(long.ls.quickInfo("committedWhenIdle", 3).plain).toBe('const committedWhenIdle: "s"');
  });
});
