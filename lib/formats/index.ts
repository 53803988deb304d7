// The `formats` namespace of the public surface: named and custom formats, the quantize op,
// scalar inspection, comparison tables and MX block quantization.
import { inspect } from "./inspect.js";
import { mx, mxEncode, mxQuantize } from "./mx.js";
import { quantize } from "./quantize.js";
import { custom, get, list } from "./registry.js";
import type { Format } from "./spec.js";
import { formatTable, type FormatTable } from "./table.js";

export { Format } from "./spec.js";
export { Inspection, inspect, type InspectOptions, type ValueClass } from "./inspect.js";
export { mx, mxEncode, mxQuantize, type MxBlocks, type MxOptions } from "./mx.js";
export { quantize, type QuantizeOptions } from "./quantize.js";
export type { FormatSpec, Rule } from "./limits.js";
export type { Rounding, RoundOptions } from "./round.js";
export type { CustomFormatOptions } from "./registry.js";
export type { FormatTable, FormatRow } from "./table.js";

/** A displayable comparison table of the given formats (default: all named ones). */
export function table(names?: ReadonlyArray<string | Format>): FormatTable {
  return formatTable(names === undefined ? list() : names.map((n) => get(n)));
}

export const formats = Object.freeze({ get, list, custom, table, quantize, inspect, mx, mxQuantize, mxEncode });
