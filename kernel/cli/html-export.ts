// `tsamp run --html FILE`: a standalone, offline HTML page of an executed notebook. Markdown cells
// are rendered, code cells show their source and outputs, each output in its richest mimetype in
// the order JupyterLab prefers. Plotly figures are drawn with plotly.js inlined once per page when
// the plotly.js-dist-min package is installed; otherwise the figure's own HTML or text stands in.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ansiToHtml, escapeHtml } from "./html-ansi.js";
import { renderMarkdown } from "./html-markdown.js";
import type { Cell, MimeBundle, Notebook, Output } from "./notebook-format.js";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** JupyterLab's renderer ranks, richest first: extensions (plotly, JSON) at 0, then html 50,
 * markdown 60, latex 70, svg 80, bitmap images 90, plain text 120. */
export const MIME_ORDER = [
  PLOTLY_MIME,
  "application/json",
  "text/html",
  "text/markdown",
  "text/latex",
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/bmp",
  "text/plain",
];

export interface HtmlExportOptions {
  /** Page title; defaults to the notebook's first heading. */
  title?: string;
  /** plotly.js source to inline when the notebook has plotly figures; null draws them without it. */
  plotlyJs?: string | null;
}

/** plotly.js from the plotly.js-dist-min package, looked up from each folder in turn; null if absent. */
export function findPlotlyJs(fromFolders: string[]): string | null {
  for (const folder of fromFolders) {
    try {
      const require = createRequire(join(folder, "noop.js"));
      return readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
    } catch {
      // not installed there
    }
  }
  return null;
}

export function hasPlotlyOutputs(notebook: Notebook): boolean {
  return notebook.cells.some(
    (cell) => cell.cell_type === "code" && cell.outputs.some((o) => "data" in o && o.data[PLOTLY_MIME] !== undefined),
  );
}

/** The mimetype an output is shown as: the first of MIME_ORDER it carries (plotly only when plotly.js is there). */
export function pickMimetype(data: MimeBundle, plotly: boolean): string | null {
  for (const mime of MIME_ORDER) {
    if (data[mime] === undefined) continue;
    if (mime === PLOTLY_MIME && !plotly) continue;
    return mime;
  }
  return null;
}

/** JSON for a <script> element: nothing in it can close the element or break the JS string. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("");
  return JSON.stringify(value, null, 2);
}

class Renderer {
  private plots = 0;
  usedPlotly = false;

  constructor(private readonly plotly: boolean) {}

  bundle(data: MimeBundle, metadata: Record<string, unknown>): string {
    const mime = pickMimetype(data, this.plotly);
    if (!mime) return "";
    const value = data[mime];
    const meta = (metadata[mime] ?? {}) as Record<string, unknown>;
    switch (mime) {
      case PLOTLY_MIME: {
        let figure: unknown = value;
        try {
          if (typeof value === "string") figure = JSON.parse(value);
        } catch {
          figure = null;
        }
        if (typeof figure !== "object" || figure === null) {
          // Not a figure: show what else the bundle has.
          const { [PLOTLY_MIME]: _unusable, ...rest } = data;
          return this.bundle(rest, metadata);
        }
        this.usedPlotly = true;
        const id = `tsamp-plot-${++this.plots}`;
        return (
          `<div class="plotly-figure" id="${id}"></div>\n<script>(function () {\n` +
          `  var fig = ${scriptJson(figure)};\n` +
          `  Plotly.newPlot(${JSON.stringify(id)}, fig.data || [], fig.layout || {}, Object.assign({ responsive: true }, fig.config || {}));\n` +
          `})();</script>`
        );
      }
      case "application/json":
        return `<pre class="output-json">${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
      case "text/html":
        return `<div class="output-html">${asText(value)}</div>`;
      case "text/markdown":
        return `<div class="output-markdown">${renderMarkdown(asText(value))}</div>`;
      case "text/latex":
        return `<div class="math">${escapeHtml(asText(value))}</div>`;
      case "image/svg+xml":
        return `<div class="output-svg">${asText(value)}</div>`;
      case "text/plain":
        return `<pre class="output-text">${ansiToHtml(asText(value))}</pre>`;
      default: {
        // Bitmap images: base64 in the bundle (line breaks allowed), shown as a data URI.
        const base64 = asText(value).replace(/\s+/g, "");
        const size = ["width", "height"]
          .map((key) => (typeof meta[key] === "number" ? ` ${key}="${meta[key]}"` : ""))
          .join("");
        return `<img class="output-image" src="data:${mime};base64,${base64}"${size} alt="output image">`;
      }
    }
  }

  output(output: Output, executionCount: number | null): string {
    switch (output.output_type) {
      case "stream":
        return `<pre class="output-stream ${escapeHtml(output.name)}">${ansiToHtml(output.text)}</pre>`;
      case "error": {
        const text = output.traceback.length ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`;
        return `<pre class="output-error">${ansiToHtml(text)}</pre>`;
      }
      case "execute_result": {
        const count = output.execution_count ?? executionCount;
        return `<div class="output-result"><div class="prompt out">Out[${count ?? " "}]:</div>${this.bundle(output.data, output.metadata)}</div>`;
      }
      case "display_data":
        return this.bundle(output.data, output.metadata);
    }
  }

  cell(cell: Cell): string {
    if (cell.cell_type === "markdown") {
      const attachments = cell.attachments ?? {};
      const html = renderMarkdown(cell.source, {
        resolveImage(src) {
          if (!src.startsWith("attachment:")) return undefined;
          const bundle = attachments[src.slice("attachment:".length)];
          const mime = bundle && Object.keys(bundle).find((m) => m.startsWith("image/"));
          if (!mime) return undefined;
          const value = asText(bundle[mime]);
          return mime === "image/svg+xml"
            ? `data:${mime};base64,${Buffer.from(value).toString("base64")}`
            : `data:${mime};base64,${value.replace(/\s+/g, "")}`;
        },
      });
      return `<div class="cell markdown-cell">\n${html}\n</div>`;
    }
    if (cell.cell_type === "raw") {
      const format = String(cell.metadata.format ?? cell.metadata.raw_mimetype ?? "");
      return format === "text/html" ? `<div class="cell raw-cell">${cell.source}</div>` : "";
    }
    const count = cell.execution_count;
    const outputs = cell.outputs.map((o) => this.output(o, count)).filter(Boolean);
    return (
      `<div class="cell code-cell">\n` +
      `<div class="input"><div class="prompt">In [${count ?? " "}]:</div>` +
      `<pre class="source"><code class="language-typescript">${escapeHtml(cell.source)}</code></pre></div>\n` +
      (outputs.length ? `<div class="outputs">\n${outputs.join("\n")}\n</div>\n` : "") +
      `</div>`
    );
  }
}

const STYLE = `
:root { --tsamp-fg: #1f2328; --tsamp-bg: #fff; --tsamp-muted: #6e7781; --tsamp-code-bg: #f6f8fa; --tsamp-border: #d0d7de; }
body { margin: 0; background: var(--tsamp-bg); color: var(--tsamp-fg); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 64px; }
.cell { margin: 12px 0; }
.markdown-cell { padding: 0 4px; }
.input { display: flex; gap: 8px; align-items: flex-start; }
.prompt { flex: 0 0 72px; text-align: right; color: var(--tsamp-muted); font: 12px/1.9 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.prompt.out { flex: none; text-align: left; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
pre.source { flex: 1; min-width: 0; background: var(--tsamp-code-bg); border: 1px solid var(--tsamp-border); border-radius: 4px; padding: 8px 10px; }
.outputs { margin: 6px 0 0 80px; overflow-x: auto; }
.outputs > * { margin: 4px 0; }
.output-stream.stderr { background: #fdd; padding: 2px 6px; }
.output-error { background: #fdd; color: #b22b31; padding: 6px; border-left: 3px solid #e75c58; }
.output-image { max-width: 100%; }
.markdown-cell pre, .output-markdown pre { background: var(--tsamp-code-bg); padding: 8px 10px; border-radius: 4px; }
.markdown-cell code, .output-markdown code { background: var(--tsamp-code-bg); padding: 0 3px; border-radius: 3px; }
.markdown-cell pre code, .output-markdown pre code { padding: 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--tsamp-border); padding: 4px 10px; }
th { background: var(--tsamp-code-bg); }
blockquote { margin: 8px 0; padding: 0 12px; color: var(--tsamp-muted); border-left: 4px solid var(--tsamp-border); }
.math { font-family: "Latin Modern Math", "Cambria Math", serif; }
`;

function firstHeading(notebook: Notebook): string | null {
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "markdown") continue;
    const m = /^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/m.exec(cell.source);
    if (m) return m[1].replace(/[*_`]/g, "");
  }
  return null;
}

export function notebookToHtml(notebook: Notebook, options: HtmlExportOptions = {}): string {
  const renderer = new Renderer(Boolean(options.plotlyJs));
  const body = notebook.cells.map((cell) => renderer.cell(cell)).filter(Boolean).join("\n");
  const title = options.title ?? firstHeading(notebook) ?? "Notebook";
  const plotly =
    renderer.usedPlotly && options.plotlyJs
      ? `<script>${options.plotlyJs.replace(/<\/script/gi, "<\\/script")}</script>\n`
      : "";
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<meta name="generator" content="tsamp run">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n${plotly}</head>\n` +
    `<body>\n<main>\n${body}\n</main>\n</body>\n</html>\n`
  );
}
