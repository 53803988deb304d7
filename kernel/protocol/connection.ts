// The connection file Jupyter writes before starting a kernel: where to bind and how to sign.
import { readFileSync } from "node:fs";

export type SignatureScheme = "hmac-sha256" | "hmac-sha1" | "hmac-sha384" | "hmac-sha512" | "hmac-md5";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
  /** HMAC key; an empty key disables signing (the spec allows it, we log a warning). */
  key: string;
  signature_scheme: SignatureScheme | string;
  kernel_name?: string;
}

export type Channel = "shell" | "control" | "stdin" | "iopub" | "hb";

export function readConnectionFile(path: string): ConnectionInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read connection file ${path}: ${(err as Error).message}`);
  }
  const info = parsed as Partial<ConnectionInfo>;
  const ports = ["shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"] as const;
  for (const port of ports) {
    if (typeof info[port] !== "number") {
      throw new Error(`connection file ${path} lacks a numeric "${port}" (it needs ${ports.join(", ")})`);
    }
  }
  return {
    transport: info.transport ?? "tcp",
    ip: info.ip ?? "127.0.0.1",
    key: info.key ?? "",
    signature_scheme: info.signature_scheme ?? "hmac-sha256",
    ...info,
  } as ConnectionInfo;
}

/** The zeromq endpoint for one channel, e.g. tcp://127.0.0.1:5555 or ipc://kernel-ipc-1. */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port` as const];
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
