// viz.bits(value, formats): one number in several formats, each as inspect()'s bit diagram (sign,
// exponent and mantissa colored), so the fields, the stored value and the error line up.
import { DISPLAY, type MimeBundle } from "../display-symbol.js";
import { inspect, type Inspection, type InspectOptions } from "../formats/inspect.js";
import type { Format } from "../formats/spec.js";
import { escapeHtml } from "./text.js";

export class BitLayouts {
  readonly value: number;
  readonly inspections: readonly Inspection[];

  constructor(value: number, formats: ReadonlyArray<string | Format>, opts?: InspectOptions) {
    this.value = value;
    this.inspections = Object.freeze(formats.map((f) => inspect(value, f, opts)));
  }

  toString(): string {
    return this.inspections.map((i) => i.toString()).join("\n\n");
  }

  [DISPLAY](): MimeBundle {
    const parts = this.inspections.map((i) => String(i[DISPLAY]()["text/html"]));
    return {
      "text/plain": this.toString(),
      "text/html":
        `<div class="tsamp-bits" style="display:flex;flex-wrap:wrap;gap:10px 28px">` +
        parts.map((p) => `<div>${p}</div>`).join("") +
        `</div>` +
        (this.inspections.length === 0 ? `<em>${escapeHtml("no formats given")}</em>` : ""),
    };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** The bit layout of `value` in each format (default float32, float16, bfloat16, e4m3, e5m2). */
export function bits(value: number, formats: ReadonlyArray<string | Format> = ["float32", "float16", "bfloat16", "e4m3", "e5m2"], opts?: InspectOptions): BitLayouts {
  return new BitLayouts(value, formats, opts);
}
