// `tsamp install`: writes the kernelspec Jupyter uses to start this kernel. No Python needed.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jupyterDataDir } from "../history/store.js";
import { logoPng, LOGO_SVG } from "./logo.js";

export interface InstallOptions {
  where: "user" | "system" | "sys-prefix" | { prefix: string };
  name: string;
  displayName: string;
  interruptMode: "signal" | "message";
}

/** The folder that holds kernelspecs for the chosen installation scheme (as jupyter_client lays them out). */
export function kernelsDir(where: InstallOptions["where"]): string {
  if (where === "user") return join(jupyterDataDir(), "kernels");
  if (where === "system") return "/usr/local/share/jupyter/kernels";
  if (where === "sys-prefix") {
    let jupyter: string;
    try {
      jupyter = execFileSync("sh", ["-c", "command -v jupyter"], { encoding: "utf8" }).trim();
    } catch {
      throw new Error("--sys-prefix needs a `jupyter` command on PATH to find its prefix; use --user or --prefix DIR");
    }
    return join(dirname(dirname(jupyter)), "share", "jupyter", "kernels");
  }
  return join(resolve(where.prefix), "share", "jupyter", "kernels");
}

export function kernelJson(options: InstallOptions): object {
  const main = fileURLToPath(new URL("../main.js", import.meta.url));
  return {
    // --no-force-async-hooks-checks: an interrupt terminates user code mid-callback; Node's async
    // hook bookkeeping would otherwise abort the process when that callback's scope closes.
    argv: [process.execPath, "--no-force-async-hooks-checks", main, "kernel", "{connection_file}"],
    display_name: options.displayName,
    language: "typescript",
    interrupt_mode: options.interruptMode,
    env: {},
    metadata: { debugger: false },
  };
}

export function installKernelspec(options: InstallOptions): string {
  const dir = join(kernelsDir(options.where), options.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelJson(options), null, 2) + "\n");
  writeFileSync(join(dir, "logo-svg.svg"), LOGO_SVG);
  writeFileSync(join(dir, "logo-32x32.png"), logoPng(32));
  writeFileSync(join(dir, "logo-64x64.png"), logoPng(64));
  return dir;
}
