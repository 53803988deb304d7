// The committed tutorial notebooks stay diff-friendly lessons: no outputs or execution counts,
// source as lines, tsamp's kernelspec, stable cell ids, and each ends with what the reader learned.
// (That they run and show what they claim is test/kernel/test_notebooks.py's job.)
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../notebooks");
const NAMES = readdirSync(DIR).filter((n) => n.endsWith(".ipynb")).sort();

interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

describe("committed notebooks", () => {
  it("are the six lessons, numbered in order", () => {
    expect(NAMES.map((n) => n.slice(0, 3))).toEqual(["01-", "02-", "03-", "04-", "05-", "06-"]);
  });

  for (const name of NAMES) {
    it(`${name} is saved without outputs, as lines, for tsamp, and ends with what was learned`, () => {
      const text = readFileSync(path.join(DIR, name), "utf8");
      const nb = JSON.parse(text) as { nbformat: number; nbformat_minor: number; metadata: { kernelspec?: { name?: string } }; cells: Cell[] };
      expect(nb.nbformat).toBe(4);
      expect(nb.metadata.kernelspec?.name).toBe("tsamp");
      const ids = nb.cells.map((c) => c.id);
      expect(new Set(ids).size).toBe(nb.cells.length); // unique ids (nbformat 4.5)
      for (const cell of nb.cells) {
        expect(Array.isArray(cell.source), `${name}: source as a list of lines`).toBe(true);
        if (cell.cell_type === "code") {
          expect(cell.outputs, `${name}: cell ${cell.id} has outputs`).toEqual([]);
          expect(cell.execution_count ?? null).toBeNull();
        }
      }
      expect(text.endsWith("\n")).toBe(true);
      const last = nb.cells.filter((c) => c.cell_type === "markdown").map((c) => [c.source].flat().join("")).join("\n");
      expect(last).toMatch(/## What you learned/);
      const first = [nb.cells[0]!.source].flat().join("");
      expect(first).toMatch(new RegExp(`^# ${Number(name.slice(0, 2))}\\. `));
    });
  }
});
