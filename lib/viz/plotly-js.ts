// plotly.js for figures' offline HTML, sent at most once per notebook (DESIGN.md section 6).
//
// The first figure a kernel session displays carries the whole library (about 4.8 MB) in a guarded
// <script> that defines window.Plotly; every later figure is a div and a small script that waits
// for window.Plotly. All outputs of a notebook share one page in the classic notebook, JupyterLab
// and nbconvert's HTML, so one copy draws them all, in whatever order they load. JupyterLab and
// VS Code draw the application/vnd.plotly.v1+json part natively when they can; the HTML is then an
// unused fallback.
//
// "Already sent" lives on globalThis, not in this module, so two copies of the library loaded in
// one kernel (a cell importing "tsamp" by another path) still send it once.
//
// Re-running the cell that carried it replaces that output, and the saved notebook would lose
// plotly.js (the page keeps window.Plotly, so nothing shows until the file is reopened). So the
// carrier is remembered, and a later execution of the same cell (same frontend cell id, or, when
// the frontend sends none, the same code) sends it again: "Run All" without a restart keeps
// working files. A figure displayed from a timer after its cell finished counts as that cell's.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const SENT = Symbol.for("tsamp.viz.plotlySent");
const CARRIER = Symbol.for("tsamp.viz.plotlyCarrier");
const KERNEL = Symbol.for("tsamp.kernel");

/** What the kernel says about the running cell (kernel/execution/cell-signal.ts's RunningCell). */
interface CellIdentity {
  readonly id: string | undefined;
  readonly code: string;
  readonly execution: string;
}
let source: string | null = null;
let version = "";

function flags(): Record<symbol, unknown> {
  return globalThis as unknown as Record<symbol, unknown>;
}

function runningCell(): CellIdentity | null {
  const kernel = flags()[KERNEL] as { cell?: CellIdentity | null } | undefined;
  return kernel?.cell ?? null;
}

/** Whether `now` is a new execution of the cell that carried plotly.js. */
function isRerunOfCarrier(now: CellIdentity | null): boolean {
  const carrier = flags()[CARRIER] as CellIdentity | null | undefined;
  if (!now || !carrier || now.execution === carrier.execution) return false;
  return now.id !== undefined && carrier.id !== undefined ? now.id === carrier.id : now.code === carrier.code;
}

/** plotly.min.js from the plotly.js-dist-min package, read once per process. */
export function plotlySource(): string {
  if (source === null) {
    const require = createRequire(import.meta.url);
    const text = readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
    version = /plotly\.js v([\w.-]+)/.exec(text.slice(0, 200))?.[1] ?? "";
    // Nothing in the library may end the <script> element that holds it.
    source = text.replace(/<\/(script)/gi, "<\\/$1");
  }
  return source;
}

export function plotlyVersion(): string {
  plotlySource();
  return version;
}

/** Whether this session's figures have already carried plotly.js. */
export function plotlyIncluded(): boolean {
  return flags()[SENT] === true && !isRerunOfCarrier(runningCell());
}

/**
 * Forget that plotly.js was sent, so the next figure carries it again: after clearing the output
 * that held it, or before saving a notebook whose earlier outputs are gone.
 */
export function resetPlotlyInclusion(): void {
  flags()[SENT] = false;
  flags()[CARRIER] = null;
}

/**
 * The guarded <script> that defines window.Plotly. module/exports/define are shadowed so the
 * bundle's UMD header always sets window.Plotly, even on a page with RequireJS or CommonJS globals.
 */
export function plotlyLoaderHtml(): string {
  const js = plotlySource();
  return (
    `<script type="text/javascript">/* plotly.js ${version} (MIT license), sent once per notebook by tsamp */\n` +
    `if (!window.Plotly) {\n` +
    `window.PlotlyConfig = window.PlotlyConfig || { MathJaxConfig: "local" };\n` +
    `(function (module, exports, define) {\n${js}\n}).call(window);\n` +
    `}\n</script>`
  );
}

/** The loader if this session has not sent it yet (and marks it sent), else "". */
export function takePlotlyLoader(): string {
  if (plotlyIncluded()) return "";
  const html = plotlyLoaderHtml();
  flags()[SENT] = true;
  flags()[CARRIER] = runningCell();
  return html;
}
