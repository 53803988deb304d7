import type { PositionMap } from "./position-map.js";

/** What a traceback needs to know about a compiled cell. */
export interface RegisteredCell {
  filename: string;
  source: string;
  positions: PositionMap;
}

/**
 * Compiled cells by file name: V8 stack frames name the file a cell was run as, and functions
 * defined in an old cell can throw long after it ran, so every cell stays here for the session.
 */
export class CellRegistry {
  readonly #cells = new Map<string, RegisteredCell>();

  register(cell: RegisteredCell): void {
    this.#cells.set(cell.filename, cell);
  }

  get(filename: string): RegisteredCell | undefined {
    return this.#cells.get(filename);
  }

  clear(): void {
    this.#cells.clear();
  }
}

/** The registry compileCell records every cell in, and formatError reads by default. */
export const cells = new CellRegistry();

/** "cell-7.ts" -> "Cell [7]", like IPython's "Cell In[7]"; other names are shown as they are. */
export function cellLabel(filename: string): string {
  const count = /^cell-(\d+)\.ts$/.exec(filename);
  return count ? `Cell [${count[1]}]` : `Cell ${filename}`;
}
