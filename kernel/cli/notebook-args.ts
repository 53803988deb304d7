// Command line of `tsamp run`: parsed into options, or a usage error that says what was wrong and
// what is allowed.

export const RUN_USAGE = `usage: tsamp run NOTEBOOK.ipynb [options]

Runs every code cell of the notebook, in order, through the tsamp kernel (no Jupyter needed), and
saves the notebook with its new outputs.

options:
  --out FILE          where to save the executed notebook (default: overwrite NOTEBOOK.ipynb)
  --html FILE         also write a standalone HTML page of the executed notebook
  --timeout SECONDS   interrupt and fail a cell that runs longer (default 600; 0 = no limit)
  --allow-errors      keep going after a cell raises an error (exit code 0)
  --start-timeout SECONDS
                      how long the kernel may take to start (default 60)
  -h, --help          show this help

exit codes: 0 all cells ran, 1 a cell failed (or the kernel died), 2 usage error
`;

export interface RunArgs {
  notebook: string;
  out: string | null;
  html: string | null;
  /** Seconds; null = no limit. */
  timeout: number | null;
  allowErrors: boolean;
  startTimeout: number;
}

export class UsageError extends Error {}

const VALUE_FLAGS = ["--out", "--html", "--timeout", "--start-timeout"] as const;
const SWITCHES = ["--allow-errors"] as const;

function seconds(flag: string, text: string, allowZero: boolean): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(`${flag} takes a number of seconds${allowZero ? " (0 for no limit)" : " above 0"}, not "${text}"`);
  }
  return value;
}

/** Parses the arguments after `run`; "help" when -h/--help was given. */
export function parseRunArgs(args: string[]): RunArgs | "help" {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("-") && arg !== "-") {
      const eq = arg.indexOf("=");
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      if ((SWITCHES as readonly string[]).includes(flag)) {
        if (eq > 0) throw new UsageError(`${flag} takes no value`);
        switches.add(flag);
        continue;
      }
      if (!(VALUE_FLAGS as readonly string[]).includes(flag)) {
        throw new UsageError(`unknown option ${flag}; allowed: ${[...VALUE_FLAGS, ...SWITCHES, "--help"].join(", ")}`);
      }
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
      if (values.has(flag)) throw new UsageError(`${flag} given twice`);
      values.set(flag, value);
      continue;
    }
    positional.push(arg);
  }
  if (positional.length === 0) throw new UsageError("which notebook? give the path of a .ipynb file");
  if (positional.length > 1) throw new UsageError(`one notebook at a time; got ${positional.length}: ${positional.join(" ")}`);
  const timeout = values.has("--timeout") ? seconds("--timeout", values.get("--timeout")!, true) : 600;
  return {
    notebook: positional[0],
    out: values.get("--out") ?? null,
    html: values.get("--html") ?? null,
    timeout: timeout === 0 ? null : timeout,
    allowErrors: switches.has("--allow-errors"),
    startTimeout: values.has("--start-timeout") ? seconds("--start-timeout", values.get("--start-timeout")!, false) : 60,
  };
}
