// complete_request, inspect_request and is_complete_request, answered from the TypeScript language
// service that knows every earlier cell.
import type { CompleteRequest, InspectRequest, IsCompleteRequest } from "../protocol/messages.js";
import type { RequestContext } from "../requests.js";
import type { NotebookLanguageService } from "../language/service.js";
import { isComplete } from "../language/is-complete.js";
import { parseMagics } from "../execution/magics.js";

/** Jupyter counts cursor_pos in Unicode code points; JavaScript strings index UTF-16 units. */
function toUtf16Offset(code: string, codePoints: number): number {
  let units = 0;
  let points = 0;
  for (const ch of code) {
    if (points >= codePoints) break;
    units += ch.length;
    points++;
  }
  return units;
}

function toCodePoints(code: string, units: number): number {
  return [...code.slice(0, units)].length;
}

/** Magic lines are blanked out, so the service sees the TypeScript the cell will compile. */
function withoutMagics(code: string): string {
  try {
    return parseMagics(code).body;
  } catch {
    return code;
  }
}

export function handleComplete(language: NotebookLanguageService, request: RequestContext): void {
  const { code, cursor_pos } = request.content as unknown as CompleteRequest;
  const source = withoutMagics(String(code ?? ""));
  const cursor = toUtf16Offset(source, typeof cursor_pos === "number" ? cursor_pos : [...source].length);
  const result = language.complete(source, cursor);
  request.reply("complete_reply", {
    status: "ok",
    matches: result.matches,
    cursor_start: toCodePoints(source, result.cursorStart),
    cursor_end: toCodePoints(source, result.cursorEnd),
    metadata: {
      _jupyter_types_experimental: result.items.map((item) => ({
        text: item.text,
        type: item.type,
        signature: item.signature ?? "",
        start: toCodePoints(source, result.cursorStart),
        end: toCodePoints(source, result.cursorEnd),
      })),
    },
  });
}

export function handleInspect(language: NotebookLanguageService, request: RequestContext): void {
  const { code, cursor_pos } = request.content as unknown as InspectRequest;
  const source = withoutMagics(String(code ?? ""));
  const cursor = toUtf16Offset(source, typeof cursor_pos === "number" ? cursor_pos : [...source].length);
  const info = language.quickInfo(source, cursor);
  request.reply("inspect_reply", {
    status: "ok",
    found: info.found,
    data: info.found ? { "text/plain": info.plain, "text/markdown": info.markdown } : {},
    metadata: {},
  });
}

export function handleIsComplete(request: RequestContext): void {
  const { code } = request.content as unknown as IsCompleteRequest;
  const result = isComplete(String(code ?? ""));
  request.reply("is_complete_reply", result.status === "incomplete" ? { status: "incomplete", indent: result.indent ?? "" } : { status: result.status });
}
