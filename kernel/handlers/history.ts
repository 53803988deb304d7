// history_request: tail, range and search over the on-disk history.
import type { HistoryRequest } from "../protocol/messages.js";
import type { HistoryEntry, HistoryStore } from "../history/store.js";
import type { RequestContext } from "../requests.js";

export function handleHistory(store: HistoryStore, request: RequestContext): void {
  const content = request.content as unknown as HistoryRequest;
  let entries: HistoryEntry[];
  switch (content.hist_access_type) {
    case "tail":
      entries = store.tail(content.n ?? 10);
      break;
    case "range":
      entries = store.range(content.session ?? 0, content.start ?? 1, content.stop ?? undefined);
      break;
    case "search":
      entries = store.search(content.pattern ?? "*", content.n ?? undefined, Boolean(content.unique));
      break;
    default:
      request.reply("history_reply", {
        status: "error",
        ename: "ValueError",
        evalue: `hist_access_type must be "tail", "range" or "search", not ${JSON.stringify(content.hist_access_type)}`,
        traceback: [],
        history: [],
      });
      return;
  }
  const history = entries.map((e) => (content.output ? [e.session, e.line, [e.source, e.output ?? null]] : [e.session, e.line, e.source]));
  request.reply("history_reply", { status: "ok", history });
}
