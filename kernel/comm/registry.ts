// Comms: symmetric, long-lived channels between kernel code and frontend code (widgets, live
// plots). Targets are registered by name; the frontend or the kernel can open a comm on a target.
import { randomUUID } from "node:crypto";
import type { Header, JsonObject } from "../protocol/messages.js";

export type CommMessageHandler = (data: JsonObject, message: { metadata: JsonObject; buffers: Uint8Array[] }) => void;

export interface Comm {
  readonly id: string;
  readonly targetName: string;
  send(data: JsonObject, options?: { metadata?: JsonObject; buffers?: Uint8Array[] }): void;
  close(data?: JsonObject): void;
  onMessage(handler: CommMessageHandler): void;
  onClose(handler: (data: JsonObject) => void): void;
}

export type CommTarget = (comm: Comm, data: JsonObject) => void;

/** How comm messages leave the kernel: published on iopub, parented to the current request. */
export type CommPublish = (msg_type: "comm_open" | "comm_msg" | "comm_close", content: JsonObject, metadata?: JsonObject, buffers?: Uint8Array[], parent?: Header | null) => void;

class OpenComm implements Comm {
  private readonly messageHandlers: CommMessageHandler[] = [];
  private readonly closeHandlers: Array<(data: JsonObject) => void> = [];
  closed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly registry: CommRegistry,
  ) {}

  send(data: JsonObject, options?: { metadata?: JsonObject; buffers?: Uint8Array[] }): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    this.registry.publish("comm_msg", { comm_id: this.id, data }, options?.metadata, options?.buffers);
  }

  close(data: JsonObject = {}): void {
    if (this.closed) return;
    this.registry.publish("comm_close", { comm_id: this.id, data });
    this.registry.forget(this.id);
    this.closed = true;
  }

  onMessage(handler: CommMessageHandler): void {
    this.messageHandlers.push(handler);
  }

  onClose(handler: (data: JsonObject) => void): void {
    this.closeHandlers.push(handler);
  }

  deliver(data: JsonObject, metadata: JsonObject, buffers: Uint8Array[]): void {
    for (const handler of this.messageHandlers) handler(data, { metadata, buffers });
  }

  closedByFrontend(data: JsonObject): void {
    this.closed = true;
    for (const handler of this.closeHandlers) handler(data);
  }
}

export class CommRegistry {
  private readonly targets = new Map<string, CommTarget>();
  private readonly comms = new Map<string, OpenComm>();

  constructor(readonly publish: CommPublish) {}

  registerTarget(name: string, target: CommTarget): void {
    this.targets.set(name, target);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Open a comm from the kernel side. */
  open(targetName: string, data: JsonObject = {}, metadata: JsonObject = {}): Comm {
    const comm = new OpenComm(randomUUID(), targetName, this);
    this.comms.set(comm.id, comm);
    this.publish("comm_open", { comm_id: comm.id, target_name: targetName, data }, metadata);
    return comm;
  }

  /** comm_open from the frontend. Unknown targets are answered with comm_close, as ipykernel does. */
  handleOpen(content: JsonObject): void {
    const id = String(content.comm_id ?? "");
    const targetName = String(content.target_name ?? "");
    const target = this.targets.get(targetName);
    if (!id || !target) {
      this.publish("comm_close", { comm_id: id, data: {} });
      return;
    }
    const comm = new OpenComm(id, targetName, this);
    this.comms.set(id, comm);
    target(comm, (content.data as JsonObject) ?? {});
  }

  handleMsg(content: JsonObject, metadata: JsonObject, buffers: Uint8Array[]): boolean {
    const comm = this.comms.get(String(content.comm_id ?? ""));
    if (!comm) return false;
    comm.deliver((content.data as JsonObject) ?? {}, metadata, buffers);
    return true;
  }

  handleClose(content: JsonObject): void {
    const id = String(content.comm_id ?? "");
    const comm = this.comms.get(id);
    this.comms.delete(id);
    comm?.closedByFrontend((content.data as JsonObject) ?? {});
  }

  info(targetName?: string): Record<string, { target_name: string }> {
    const result: Record<string, { target_name: string }> = {};
    for (const comm of this.comms.values()) {
      if (!targetName || comm.targetName === targetName) result[comm.id] = { target_name: comm.targetName };
    }
    return result;
  }

  forget(id: string): void {
    this.comms.delete(id);
  }
}
