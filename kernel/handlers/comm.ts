// comm_info_request, comm_open, comm_msg, comm_close.
import type { CommRegistry } from "../comm/registry.js";
import type { RequestContext } from "../requests.js";
import { log } from "../log.js";

export function handleComm(registry: CommRegistry, request: RequestContext): void {
  const { content } = request;
  switch (request.header.msg_type) {
    case "comm_info_request": {
      const target = typeof content.target_name === "string" ? content.target_name : undefined;
      request.reply("comm_info_reply", { status: "ok", comms: registry.info(target) });
      return;
    }
    case "comm_open":
      registry.handleOpen(content);
      return;
    case "comm_msg":
      if (!registry.handleMsg(content, request.metadata, request.buffers)) log(`comm_msg for unknown comm ${String(content.comm_id)}`);
      return;
    case "comm_close":
      registry.handleClose(content);
      return;
  }
}
