#!/usr/bin/env node
// tsamp's command line: `tsamp kernel FILE`, `tsamp install`, `tsamp run NOTEBOOK`.
import { readConnectionFile } from "./protocol/connection.js";

const USAGE = `usage:
  tsamp install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT] [--interrupt-mode signal|message]
      write the Jupyter kernelspec (default: system-wide as root, else --user)
  tsamp kernel CONNECTION_FILE      run the kernel (Jupyter starts this)
  tsamp run NOTEBOOK.ipynb [--out FILE] [--html FILE] [--timeout SECONDS]
      execute a notebook headless through the kernel and save its outputs
`;

function fail(message: string): never {
  process.stderr.write(`tsamp: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function takeValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith("--")) fail(`${flag} needs a value`);
  args.splice(at, 2);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case "kernel": {
      const file = takeValue(args, "-f") ?? takeValue(args, "--connection-file") ?? args[0];
      if (!file) fail("kernel needs the connection file Jupyter passes as {connection_file}");
      // The server thread first, before the interpreter's modules load: it binds the sockets and
      // answers kernel_info by itself, and a client that connected early is retrying meanwhile.
      const connection = readConnectionFile(file);
      const [{ ServerChannel }, { kernelInfo }, { randomUUID }] = await Promise.all([
        import("./transport/channel.js"),
        import("./kernel-info.js"),
        import("node:crypto"),
      ]);
      const channel = new ServerChannel({ connection, session: randomUUID(), kernelInfo: kernelInfo(), handleSigint: true });
      const { startKernel } = await import("./interpreter.js");
      startKernel(channel);
      return;
    }
    case "install": {
      const { installKernelspec } = await import("./cli/install.js");
      const prefix = takeValue(args, "--prefix");
      const name = takeValue(args, "--name") ?? "tsamp";
      const displayName = takeValue(args, "--display-name") ?? "TypeScript (tsamp)";
      const mode = takeValue(args, "--interrupt-mode") ?? "message";
      if (mode !== "signal" && mode !== "message") fail(`--interrupt-mode is signal or message, not "${mode}"`);
      const user = args.includes("--user");
      const sysPrefix = args.includes("--sys-prefix");
      const unknown = args.filter((a) => a !== "--user" && a !== "--sys-prefix");
      if (unknown.length) fail(`unknown install option ${unknown.join(" ")}`);
      const where = prefix ? { prefix } : user ? "user" : sysPrefix ? "sys-prefix" : process.getuid?.() === 0 ? "system" : "user";
      const dir = installKernelspec({ where, name, displayName, interruptMode: mode });
      process.stdout.write(`Installed kernelspec ${name} ("${displayName}") in ${dir}\n`);
      return;
    }
    case "run": {
      const { runNotebookCli } = await import("./cli/run.js");
      process.exitCode = await runNotebookCli(args);
      return;
    }
    case "--version":
    case "-v": {
      const { kernelInfo } = await import("./kernel-info.js");
      process.stdout.write(`${String(kernelInfo().implementation_version)}\n`);
      return;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`tsamp: ${err.message}\n`);
  process.exit(1);
});
