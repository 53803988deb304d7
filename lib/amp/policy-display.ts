// How a policy shows in a notebook: a small table of its roles with each format's bits, then its
// overrides; as text, the grammar string and the overrides.
import type { Format } from "../formats/index.js";
import { escapeHtml, float32String } from "../formats/text.js";
import type { Policy } from "./policy.js";
import { describeChanges, describeMatch } from "./policy-overrides.js";

const ROW_LABELS: ReadonlyArray<[keyof Policy & ("params" | "compute" | "backward" | "output"), string]> = [
  ["params", "params"],
  ["compute", "compute (forward)"],
  ["backward", "compute (backward)"],
  ["output", "output"],
];

function title(p: Policy): string {
  const preset = p.preset;
  return preset === null ? "policy" : `policy ${preset}`;
}

export function policyText(p: Policy): string {
  const lines = [`${title(p)}: ${p.toString()}`];
  for (const o of p.overrides) lines.push(`  override ${o.toString()}`);
  return lines.join("\n");
}

function formatCells(f: Format): string[] {
  return [f.name, String(f.bits), `e${f.exponentBits}m${f.mantissaBits}`, float32String(f.max)];
}

export function policyHtml(p: Policy): string {
  const td = (s: string, align = "right") =>
    `<td style="text-align:${align};padding:2px 8px;font-family:monospace">${escapeHtml(s)}</td>`;
  const th = (s: string, align = "right") => `<th style="text-align:${align};padding:2px 8px">${escapeHtml(s)}</th>`;
  const rows = ROW_LABELS.filter(([role]) => role !== "backward" || !p.backward.sameAs(p.compute)).map(([role, label]) => {
    const [name, bits, layout, max] = formatCells(p[role]);
    return `<tr>${td(label, "left")}${td(name!, "left")}${td(bits!)}${td(layout!)}${td(max!)}</tr>`;
  });
  const header = `<tr>${th("role", "left")}${th("format", "left")}${th("bits")}${th("layout")}${th("max")}</tr>`;
  const scaling = p.scaling === "none" ? "" : `<div>scaling: ${escapeHtml(p.scaling)} (per-tensor amax history)</div>`;
  const overrides =
    p.overrides.length === 0
      ? ""
      : `<div>overrides (in order, later ones win):</div><ul style="margin:2px 0">` +
        p.overrides
          .map((o) => `<li><code>${escapeHtml(describeMatch(o.match))}</code> → <code>${escapeHtml(describeChanges(o.changes))}</code></li>`)
          .join("") +
        `</ul>`;
  return (
    `<div class="tsamp-policy"><div><b>${escapeHtml(title(p))}</b> <code>${escapeHtml(p.toString())}</code></div>` +
    `<table style="border-collapse:collapse"><thead>${header}</thead><tbody>${rows.join("")}</tbody></table>` +
    scaling +
    overrides +
    `</div>`
  );
}
