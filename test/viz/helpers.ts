// Shared by the viz tests: a fake kernel display (what kernel/prelude.ts puts on globalThis) that
// records every display and update, and bundle helpers.
import { DISPLAY, type MimeBundle } from "../../lib/display-symbol.js";

export const KERNEL = Symbol.for("tsamp.kernel");

export interface Sent {
  kind: "display" | "update";
  id: string | null;
  bundle: MimeBundle;
}

/** Installs a fake kernel on globalThis; returns the list of messages it got and an uninstall. */
export function fakeKernel(): { sent: Sent[]; uninstall: () => void } {
  const sent: Sent[] = [];
  let next = 0;
  const bundleOf = (v: unknown) => (v as { [DISPLAY]: () => MimeBundle })[DISPLAY]();
  const services = {
    display(value: unknown, options?: { id?: string | boolean }) {
      const id = options?.id === undefined ? null : options.id === true ? `display-${next++}` : String(options.id);
      sent.push({ kind: "display", id, bundle: bundleOf(value) });
      return {
        id: id ?? "anonymous",
        update(v: unknown) {
          sent.push({ kind: "update", id, bundle: bundleOf(v) });
        },
      };
    },
    input: async () => "",
    comms: {},
  };
  (globalThis as Record<symbol, unknown>)[KERNEL] = services;
  return { sent, uninstall: () => delete (globalThis as Record<symbol, unknown>)[KERNEL] };
}

export function html(b: MimeBundle): string {
  return String(b["text/html"]);
}

/** How many copies of plotly.js a piece of HTML carries. */
export function plotlyCopies(text: string): number {
  return text.split("sent once per notebook by tsamp").length - 1;
}
