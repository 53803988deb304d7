// Input history kept on disk under the Jupyter data directory, so it survives restarts (IPython keeps
// it in history.sqlite; a JSON-lines file needs no native module and appends atomically).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface HistoryEntry {
  session: number;
  line: number;
  source: string;
  /** text/plain of the execute_result, when there was one. */
  output?: string | null;
}

/** Where Jupyter keeps per-user data ($JUPYTER_DATA_DIR, else the XDG location jupyter_core uses). */
export function jupyterDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env.APPDATA ?? homedir(), "jupyter");
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

export class HistoryStore {
  private entries: HistoryEntry[] | null = null;
  private sessionNumber = 0;

  constructor(readonly file = join(jupyterDataDir(), "tsamp", "history.jsonl")) {}

  /** The session this kernel writes to: one more than the last one on disk. */
  get session(): number {
    this.load();
    return this.sessionNumber;
  }

  append(line: number, source: string, output: string | null): void {
    const entry: HistoryEntry = { session: this.session, line, source, output };
    this.entries!.push(entry);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, JSON.stringify(entry) + "\n");
    } catch {
      // A read-only home must not break execution; history then lives in memory only.
    }
  }

  /** The last n entries, oldest first. */
  tail(n: number): HistoryEntry[] {
    const all = this.all();
    return n > 0 ? all.slice(-n) : [];
  }

  /** Lines start <= line < stop of a session (0 or negative: relative to the current one). */
  range(session: number, start = 1, stop?: number): HistoryEntry[] {
    const wanted = session <= 0 ? this.session + session : session;
    return this.all().filter((e) => e.session === wanted && e.line >= start && (stop === undefined || e.line < stop));
  }

  /** Entries whose source matches a glob (* and ?), newest n (all when n is absent), oldest first. */
  search(pattern: string, n?: number, unique = false): HistoryEntry[] {
    const regex = globToRegExp(pattern);
    let found = this.all().filter((e) => regex.test(e.source));
    if (unique) {
      const seen = new Set<string>();
      found = found.reverse().filter((e) => !seen.has(e.source) && seen.add(e.source)).reverse();
    }
    return n !== undefined && n > 0 ? found.slice(-n) : found;
  }

  private all(): HistoryEntry[] {
    this.load();
    return this.entries!;
  }

  private load(): void {
    if (this.entries) return;
    this.entries = [];
    if (existsSync(this.file)) {
      for (const text of readFileSync(this.file, "utf8").split("\n")) {
        if (!text) continue;
        try {
          const entry = JSON.parse(text) as HistoryEntry;
          if (typeof entry.session === "number" && typeof entry.source === "string") this.entries.push(entry);
        } catch {
          // A torn last line (a kernel killed mid-write) is skipped, not fatal.
        }
      }
    }
    this.sessionNumber = this.entries.reduce((max, e) => Math.max(max, e.session), 0) + 1;
  }
}

/** IPython's history search uses SQLite GLOB: `*` any run, `?` one character, the rest literal. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}
