// tfjs-core's chained ops served to the notebook's program as one module augmentation
// (kernel/language/chained-ops.ts): every op's members are there, anything of another shape falls
// back to the files as they are, and cells using chained ops check as before.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAINED_OPS_REGISTRY, mergedChainedOps } from "../../kernel/language/chained-ops.js";
import { NotebookHost } from "../../kernel/language/host.js";
import { programPath } from "../../kernel/language/library-paths.js";
import { REPO, temporaryNotebook } from "../helpers/notebook.js";

const REGISTRY = path.join(REPO, "node_modules", CHAINED_OPS_REGISTRY);
const OPS = path.dirname(REGISTRY);

/** The ops register_all_chained_ops.d.ts imports, and the members each op's file declares. */
function declaredOps(): Map<string, string[]> {
  const ops = new Map<string, string[]>();
  for (const [, op] of readFileSync(REGISTRY, "utf8").matchAll(/^import '\.\/(\w+)';$/gm)) {
    const text = readFileSync(path.join(OPS, `${op}.d.ts`), "utf8");
    ops.set(op!, [...text.matchAll(/^ {8}(\w+)[<(]/gm)].map((m) => m[1]!));
  }
  return ops;
}

describe("mergedChainedOps", () => {
  it("holds every chained op's members in one augmentation of Tensor", () => {
    const merged = mergedChainedOps(REGISTRY);
    expect(merged).toBeDefined();
    expect(merged!.match(/declare module/g)).toHaveLength(1);
    expect(merged!).toContain('declare module "../../tensor" {\n  interface Tensor<R extends Rank = Rank> {');
    const ops = declaredOps();
    expect(ops.size).toBeGreaterThan(100);
    const members = [...ops.values()].flat();
    expect(members).toContain("conv2d");
    for (const name of members) expect(merged!).toMatch(new RegExp(`^ {4}${name}[<(]`, "m"));
    expect(merged!.match(/^ {4}\w+[<(]/gm)).toHaveLength(members.length);
  });

  describe("files of another shape", () => {
    let folder: string;
    const registryIn = (files: Record<string, string>) => {
      const dir = mkdtempSync(path.join(folder, "ops-"));
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      return path.join(dir, "register_all_chained_ops.d.ts");
    };
    const augmentation = (member: string) => `declare module '../../tensor' {\n  interface Tensor<R extends Rank = Rank> {\n    ${member}\n  }\n}\n`;

    beforeAll(() => {
      folder = mkdtempSync(path.join(tmpdir(), "tsamp-chained-"));
      mkdirSync(folder, { recursive: true });
    });
    afterAll(() => rmSync(folder, { recursive: true, force: true }));

    it("merges files of the known shape", () => {
      const registry = registryIn({
        "register_all_chained_ops.d.ts": "import './a';\nimport './b';\n",
        "a.d.ts": `import { Rank } from '../../types';\n${augmentation("a(): void;")}`,
        "b.d.ts": `import { Rank, TensorLike } from '../../types';\n${augmentation("b(x: TensorLike): void;")}`,
      });
      const merged = mergedChainedOps(registry)!;
      expect(merged).toContain('import { Rank, TensorLike } from "../../types";');
      expect(merged).toContain("    a(): void;\n    b(x: TensorLike): void;");
    });

    it.each([
      ["a missing file", { "register_all_chained_ops.d.ts": "import './gone';\n" }],
      ["a statement besides the augmentation", { "register_all_chained_ops.d.ts": "import './a';\n", "a.d.ts": `import { Rank } from '../../types';\nexport declare const x: number;\n${augmentation("a(): void;")}` }],
      ["another module augmented", { "register_all_chained_ops.d.ts": "import './a';\n", "a.d.ts": `import { Rank } from '../../types';\ndeclare module '../../other' {\n  interface Tensor<R extends Rank = Rank> {\n    a(): void;\n  }\n}\n` }],
      ["one name imported from two modules", { "register_all_chained_ops.d.ts": "import './a';\nimport './b';\n", "a.d.ts": `import { Rank } from '../../types';\n${augmentation("a(): void;")}`, "b.d.ts": `import { Rank } from '../../other';\n${augmentation("b(): void;")}` }],
      ["a renamed import", { "register_all_chained_ops.d.ts": "import './a';\n", "a.d.ts": `import { Rank as R } from '../../types';\n${augmentation("a(): void;")}` }],
      ["a registry that imports names", { "register_all_chained_ops.d.ts": "import { a } from './a';\n", "a.d.ts": `import { Rank } from '../../types';\n${augmentation("a(): void;")}` }],
    ])("declines %s (the files are then used as they are)", (_, files) => {
      expect(mergedChainedOps(registryIn(files))).toBeUndefined();
    });
  });
});

describe("a notebook using chained ops", () => {
  // As lib/tf.ts: tfjs-core's index does not load the chained ops' declarations, tsamp does.
  const prelude = [
    'import * as __tf from "@tensorflow/tfjs-core";',
    'import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";',
    "declare global {",
    "  export import tf = __tf;",
    "}",
    "",
  ].join("\n");

  const notebook = temporaryNotebook(prelude, "tsamp-chained-ls-");

  it("is shown the merged file in place of the registry", () => {
    const host = new NotebookHost(notebook.folder, {});
    const text = host.getScriptSnapshot(programPath(REGISTRY))!;
    expect(text.getText(0, text.getLength())).toBe(mergedChainedOps(REGISTRY));
  });

  it("checks chained ops as tfjs declares them", () => {
    const cell = "const t = tf.zeros([2, 2]);\nconst u: tf.Tensor2D = t.add(t).mul(2).transpose();\nconst c = tf.zeros([1, 4, 4, 1]).conv2d(tf.ones([2, 2, 1, 1]), 1, 'same');\nu.shape";
    expect(notebook.ls.check(cell)).toEqual([]);
    const [wrong] = notebook.ls.check("tf.zeros([2]).cast(3);");
    expect(wrong).toMatchObject({ code: 2345, line: 1 });
    expect(notebook.ls.quickInfo("tf.zeros([2]).conv2d", 18).plain).toContain("Tensor<Rank>.conv2d<T>(filter: tf.Tensor4D | TensorLike4D, strides:");
    expect(notebook.ls.complete("tf.zeros([2]).resh", 18).matches).toContain("reshape");
  });
});
