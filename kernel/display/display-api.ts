// The `display` function cells use: rich output now, and handles that update it in place later
// (display ids, the mechanism behind live training views).
import { randomUUID } from "node:crypto";
import type { JsonObject } from "../protocol/messages.js";
import { toMimeBundle, type MimeOutput } from "./mimebundle.js";
import type { OutputRouter } from "./output-router.js";

export interface DisplayOptions {
  /** Display id: give one to update this output later; `true` makes one up. */
  id?: string | boolean;
  metadata?: JsonObject;
}

/** Marks display handles: a cell ending in `display(...)` shows the display, not the handle. */
export const DISPLAY_HANDLE = Symbol.for("tsamp.displayHandle");

export interface DisplayHandle {
  readonly id: string;
  readonly [DISPLAY_HANDLE]: true;
  /** Replace every output shown with this id (update_display_data). */
  update(value: unknown, options?: { metadata?: JsonObject }): void;
}

export interface Display {
  (value: unknown, options?: DisplayOptions): DisplayHandle;
  html(html: string, options?: DisplayOptions): DisplayHandle;
  markdown(markdown: string, options?: DisplayOptions): DisplayHandle;
  svg(svg: string, options?: DisplayOptions): DisplayHandle;
  png(bytes: Uint8Array | string, options?: DisplayOptions): DisplayHandle;
  json(value: unknown, options?: DisplayOptions): DisplayHandle;
  /** Clear the cell's output; with `wait`, only once new output arrives (no flicker). */
  clear(options?: { wait?: boolean }): void;
}

/** Wraps a ready bundle so it goes through the same path as any displayable value. */
function bundle(data: JsonObject): { [key: symbol]: () => JsonObject } {
  return { [Symbol.for("Jupyter.display")]: () => data };
}

export function createDisplay(router: OutputRouter): Display {
  const show = (output: MimeOutput, options: DisplayOptions | undefined): DisplayHandle => {
    const id = options?.id === true || options?.id === undefined ? randomUUID() : String(options.id);
    const transient = options?.id === undefined ? {} : { display_id: id };
    router.publish("display_data", {
      data: output.data,
      metadata: { ...output.metadata, ...(options?.metadata ?? {}) },
      transient,
    });
    const parent = router.parent();
    return {
      id,
      [DISPLAY_HANDLE]: true,
      update(value, updateOptions) {
        const next = toMimeBundle(value);
        router.publish(
          "update_display_data",
          { data: next.data, metadata: { ...next.metadata, ...(updateOptions?.metadata ?? {}) }, transient: { display_id: id } },
          router.parent() ?? parent,
        );
      },
    };
  };

  const display = ((value: unknown, options?: DisplayOptions) => show(toMimeBundle(value), options)) as Display;
  display.html = (html, options) => display(bundle({ "text/html": html, "text/plain": "<HTML>" }), options);
  display.markdown = (markdown, options) => display(bundle({ "text/markdown": markdown, "text/plain": markdown }), options);
  display.svg = (svg, options) => display(bundle({ "image/svg+xml": svg, "text/plain": "<SVG>" }), options);
  display.png = (bytes, options) =>
    display(
      bundle({ "image/png": typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("base64"), "text/plain": "<PNG>" }),
      options,
    );
  display.json = (value, options) =>
    display(bundle({ "application/json": value as JsonObject, "text/plain": JSON.stringify(value, null, 2) }), options);
  display.clear = (options) => router.publish("clear_output", { wait: Boolean(options?.wait) });
  return display;
}
