import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  NotebookFormatError,
  parseNotebook,
  readNotebook,
  serializeNotebook,
  splitLines,
  writeNotebook,
} from "../../kernel/cli/notebook-format.js";

// A notebook as Jupyter saves it: lists of lines, sorted keys, indent 1, ids and metadata.
const JUPYTER_SAVED = `{
 "cells": [
  {
   "cell_type": "markdown",
   "id": "a1",
   "metadata": {
    "tags": [
     "intro"
    ]
   },
   "source": [
    "# Title\\n",
    "\\n",
    "Some *text*"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 3,
   "id": "b2",
   "metadata": {
    "collapsed": false
   },
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "hi\\n",
      "there\\n"
     ]
    },
    {
     "data": {
      "application/json": {
       "a": [
        1,
        2
       ]
      },
      "image/svg+xml": [
       "<svg>\\n",
       "</svg>"
      ],
      "text/plain": [
       "42"
      ]
     },
     "execution_count": 3,
     "metadata": {},
     "output_type": "execute_result"
    },
    {
     "ename": "TypeError",
     "evalue": "boom",
     "output_type": "error",
     "traceback": [
      "\\u001b[31mTypeError\\u001b[0m: boom"
     ]
    }
   ],
   "source": [
    "console.log(\\"hi\\")\\n",
    "6 * 7"
   ]
  },
  {
   "cell_type": "raw",
   "id": "c3",
   "metadata": {},
   "source": []
  }
 ],
 "metadata": {
  "kernelspec": {
   "display_name": "TypeScript (tsamp)",
   "language": "typescript",
   "name": "tsamp"
  },
  "custom": "kept ü"
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
`;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsamp-nbformat-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("nbformat round trip", () => {
  it("joins multi-line fields when reading", () => {
    const nb = parseNotebook(JUPYTER_SAVED);
    expect(nb.cells).toHaveLength(3);
    const [md, code, raw] = nb.cells;
    expect(md.source).toBe("# Title\n\nSome *text*");
    expect(md.id).toBe("a1");
    expect(md.metadata).toEqual({ tags: ["intro"] });
    expect(raw.source).toBe("");
    if (code.cell_type !== "code") throw new Error("expected a code cell");
    expect(code.source).toBe('console.log("hi")\n6 * 7');
    expect(code.execution_count).toBe(3);
    expect(code.outputs[0]).toEqual({ output_type: "stream", name: "stdout", text: "hi\nthere\n" });
    const result = code.outputs[1];
    if (result.output_type !== "execute_result") throw new Error("expected execute_result");
    expect(result.data["text/plain"]).toBe("42");
    expect(result.data["image/svg+xml"]).toBe("<svg>\n</svg>");
    // JSON mimetypes hold JSON values, never joined
    expect(result.data["application/json"]).toEqual({ a: [1, 2] });
  });

  it("writes byte-for-byte what nbformat writes", () => {
    const nb = parseNotebook(JUPYTER_SAVED);
    // Key order differs from input order (custom after kernelspec): nbformat sorts keys.
    const expected = JSON.stringify(JSON.parse(JUPYTER_SAVED), null, 1);
    const sortedExpected = JSON.stringify(sortDeep(JSON.parse(expected)), null, 1) + "\n";
    expect(serializeNotebook(nb)).toBe(sortedExpected);
    expect(serializeNotebook(parseNotebook(serializeNotebook(nb)))).toBe(serializeNotebook(nb));
  });

  it("splits lines keeping newlines, like nbformat's split_lines", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a")).toEqual(["a"]);
    expect(splitLines("a\n")).toEqual(["a\n"]);
    expect(splitLines("a\nb")).toEqual(["a\n", "b"]);
    expect(splitLines("a\n\nb\n")).toEqual(["a\n", "\n", "b\n"]);
  });

  it("accepts plain strings for multi-line fields and keeps unknown fields", () => {
    const nb = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 4,
        metadata: {},
        extra: { x: 1 },
        cells: [{ cell_type: "code", source: "1\n2", metadata: {}, outputs: [], execution_count: null, future: true }],
      }),
    );
    expect(nb.cells[0].source).toBe("1\n2");
    const text = serializeNotebook(nb);
    const json = JSON.parse(text);
    expect(json.extra).toEqual({ x: 1 });
    expect(json.cells[0].future).toBe(true);
    expect(json.cells[0].source).toEqual(["1\n", "2"]);
    // 4.4 notebooks have no cell ids and get none
    expect(json.cells[0].id).toBeUndefined();
  });

  it("gives missing cell ids to nbformat 4.5 notebooks", () => {
    const nb = parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "markdown", source: "x", metadata: {} }] }));
    expect(nb.cells[0].id).toMatch(/^[0-9a-f]{8}$/);
  });

  it("says what is wrong with a bad notebook", () => {
    expect(() => parseNotebook("{not json", "x.ipynb")).toThrow(NotebookFormatError);
    expect(() => parseNotebook("{not json", "x.ipynb")).toThrow(/x\.ipynb is not valid JSON/);
    expect(() => parseNotebook("[]")).toThrow(/JSON object/);
    expect(() => parseNotebook(JSON.stringify({ nbformat: 3, worksheets: [] }))).toThrow(/nbformat 3.*nbformat 4/);
    expect(() => parseNotebook(JSON.stringify({ nbformat: 4, metadata: {} }))).toThrow(/no "cells" list/);
    expect(() => parseNotebook(JSON.stringify({ nbformat: 4, cells: [{ cell_type: "python", source: "" }] }))).toThrow(
      /cell 1 has cell_type "python"; allowed: "code", "markdown", "raw"/,
    );
    expect(() => parseNotebook(JSON.stringify({ nbformat: 4, cells: [{ cell_type: "code", source: 5 }] }))).toThrow(
      /cell 1\.source must be a string or a list of strings/,
    );
    expect(() => readNotebook("/nonexistent/nb.ipynb")).toThrow(/does not exist/);
  });

  it("writes atomically: the target is replaced whole, no temp file is left, permissions are kept", () => {
    const dir = tempDir();
    const path = join(dir, "nb.ipynb");
    writeFileSync(path, JUPYTER_SAVED);
    chmodSync(path, 0o640);
    const nb = readNotebook(path);
    nb.cells[0].source = "# Changed";
    writeNotebook(path, nb);
    expect(readNotebook(path).cells[0].source).toBe("# Changed");
    expect(readdirSync(dir)).toEqual(["nb.ipynb"]);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readFileSync(path, "utf8").endsWith("}\n")).toBe(true);
  });
});

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
  );
}
