// A NotebookLanguageService over a fresh temporary notebook folder, for one test suite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { NotebookLanguageService } from "../../kernel/language/service.js";

/** This repository: the fallback root packages and @types/node come from, as for any notebook. */
export const REPO = path.resolve(import.meta.dirname, "../..");

export interface TemporaryNotebook {
  readonly ls: NotebookLanguageService;
  readonly folder: string;
}

/**
 * Makes the folder (named from `prefix`, after `prepare` has written into it) and the service
 * before the suite's tests, and disposes and removes both after them. Read `ls` and `folder` from
 * inside tests and hooks.
 */
export function temporaryNotebook(preludeDts: string, prefix: string, prepare?: (folder: string) => void): TemporaryNotebook {
  let made: { ls: NotebookLanguageService; folder: string } | undefined;
  beforeAll(() => {
    const folder = mkdtempSync(path.join(tmpdir(), prefix));
    prepare?.(folder);
    made = { folder, ls: new NotebookLanguageService({ cwd: folder, preludeDts, fallbackModuleRoots: [REPO] }) };
  });
  afterAll(() => {
    made?.ls.dispose();
    if (made) rmSync(made.folder, { recursive: true, force: true });
  });
  const current = () => {
    if (!made) throw new Error("temporaryNotebook: read ls and folder inside tests and hooks");
    return made;
  };
  return {
    get ls() {
      return current().ls;
    },
    get folder() {
      return current().folder;
    },
  };
}
