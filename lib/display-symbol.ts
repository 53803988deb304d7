// The rich-display convention shared with Deno's Jupyter kernel: an object with a method under
// this symbol returns a mimebundle, and any kernel that honors the symbol renders it. lib/ renders
// only through this symbol, so it never depends on kernel/.
export const DISPLAY = Symbol.for("Jupyter.display");

/** A Jupyter mimebundle: mimetype -> data (string for text types, JSON for +json types). */
export type MimeBundle = Record<string, unknown>;

export interface Displayable {
  [DISPLAY](): MimeBundle;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[DISPLAY] === "function"
  );
}
