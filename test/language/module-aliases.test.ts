import { describe, expect, it } from "vitest";
import { ModuleAliases, rewriteImportTypes } from "../../kernel/language/module-aliases.js";

describe("rewriteImportTypes", () => {
  const alias = (specifier: string) => (specifier === "kept" ? undefined : `NS.${specifier.replace(/\W/g, "_")}`);

  it("rewrites qualified import types, nested ones and typeof queries", () => {
    const dts = [
      'export declare const t: import("@tf/core").Tensor<import("@tf/core").Rank>;',
      'export declare const f: typeof import("fs").readFileSync;',
      'export declare const m: typeof import("fs");',
      'export declare function g(): Promise<import("./rel").A.B<string>>;',
    ].join("\n");
    expect(rewriteImportTypes(dts, alias)).toBe(
      [
        "export declare const t: NS._tf_core.Tensor<NS._tf_core.Rank>;",
        "export declare const f: typeof NS.fs.readFileSync;",
        "export declare const m: typeof NS.fs;",
        "export declare function g(): Promise<NS.__rel.A.B<string>>;",
      ].join("\n"),
    );
  });

  it("keeps import types of modules without an alias, bare module types and comments", () => {
    const dts = '/** Docs stay. */\nexport declare const k: import("kept").K;\nexport declare const n: import("fs");\n';
    expect(rewriteImportTypes(dts, alias)).toBe(dts);
  });
});

describe("ModuleAliases", () => {
  it("names each aliasable module once, in a file whose imports grow only with new modules", () => {
    const asked: string[] = [];
    const aliases = new ModuleAliases((specifier) => (asked.push(specifier), specifier !== "cjs"));
    expect(aliases.text()).not.toContain("import");
    expect(aliases.alias("a")).toBe("__tsamp_modules.m0");
    expect(aliases.alias("cjs")).toBeUndefined();
    expect(aliases.alias("b")).toBe("__tsamp_modules.m1");
    expect(aliases.alias("a")).toBe("__tsamp_modules.m0");
    expect(aliases.alias("cjs")).toBeUndefined();
    expect(asked).toEqual(["a", "cjs", "b"]);
    const text = aliases.text();
    expect(text).toContain('import __tsamp_m0 = require("a");');
    expect(text).toContain('import __tsamp_m1 = require("b");');
    expect(text).toContain("export import m1 = __tsamp_m1;");
    expect(text).not.toContain("cjs");
  });
});
