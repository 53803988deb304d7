// The connection file a client writes before starting a kernel, as jupyter_client does: five free
// loopback ports, a random key, hmac-sha256. The file lives in a private temp folder that the caller
// removes when the kernel is gone.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionInfo } from "../protocol/connection.js";

/** `count` distinct free TCP ports on `ip`: all are bound at once (so none repeats), then released.
 * Another process could take one before the kernel binds it; the window is milliseconds. */
export async function freePorts(count: number, ip = "127.0.0.1"): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, ip, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("could not read a bound port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

export interface ConnectionFile {
  info: ConnectionInfo;
  /** Path of the written JSON file. */
  path: string;
  /** The private folder holding it (mode 0700); remove it when done. */
  dir: string;
}

export async function writeConnectionFile(kernelName = "tsamp"): Promise<ConnectionFile> {
  const [shell_port, control_port, stdin_port, iopub_port, hb_port] = await freePorts(5);
  const info: ConnectionInfo = {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port,
    control_port,
    stdin_port,
    iopub_port,
    hb_port,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
  const dir = mkdtempSync(join(tmpdir(), "tsamp-run-"));
  const path = join(dir, "kernel.json");
  // The key authenticates every message: only this user may read it.
  writeFileSync(path, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  return { info, path, dir };
}
