// A scaler's state as a summary: the scale (with its power of two), the growth tracker, steps and
// skipped steps, and the latest overflows. The figure over steps (scale on a log2 axis) is lib/viz's.
import { escapeHtml, valueLabel } from "../formats/text.js";
import type { ScalerState } from "./loss-scale.js";

const RECENT = 8;

function rows(s: ScalerState): Array<[string, string]> {
  const out: Array<[string, string]> = [["scale", valueLabel(s.scale)]];
  if (s.growthInterval !== null) out.push(["growth tracker", `${s.growthTracker} / ${s.growthInterval}`]);
  const share = s.steps === 0 ? "" : ` (${((100 * s.skippedSteps) / s.steps).toFixed(2)}%)`;
  out.push(["steps", String(s.steps)], ["skipped steps", `${s.skippedSteps}${share}`]);
  const overflows = s.history.filter((e) => e.foundInf).slice(-RECENT);
  if (overflows.length > 0) {
    out.push(["latest overflows", overflows.map((e) => `step ${e.step} at ${valueLabel(e.scale)}`).join(", ")]);
  }
  return out;
}

export function scalerText(s: ScalerState): string {
  const r = rows(s);
  const w = Math.max(...r.map(([k]) => k.length));
  return [`${s.kind} loss scale`, ...r.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join("\n");
}

export function scalerHtml(s: ScalerState): string {
  const body = rows(s)
    .map(
      ([k, v]) =>
        `<tr><th style="text-align:left;padding:2px 8px">${escapeHtml(k)}</th>` +
        `<td style="text-align:left;padding:2px 8px;font-family:monospace">${escapeHtml(v)}</td></tr>`,
    )
    .join("");
  return (
    `<div class="tsamp-scaler"><b>${escapeHtml(s.kind)} loss scale</b>` +
    `<table style="border-collapse:collapse"><tbody>${body}</tbody></table></div>`
  );
}
