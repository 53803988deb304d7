import { describe, expect, it } from "vitest";
import { ansiToHtml, stripAnsi } from "../../kernel/cli/html-ansi.js";
import { MIME_ORDER, notebookToHtml, pickMimetype, PLOTLY_MIME } from "../../kernel/cli/html-export.js";
import { parseNotebook, type Notebook } from "../../kernel/cli/notebook-format.js";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const FIGURE = { data: [{ x: [1, 2], y: [3, 4], type: "scatter", name: "</script><b>" }], layout: { title: { text: "loss" } } };

function notebook(): Notebook {
  return parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: "markdown", id: "m", metadata: {}, source: ["# AMP *demo*\n", "\n", "Uses `fp16` & <script>x</script>"] },
        {
          cell_type: "code",
          id: "c1",
          metadata: {},
          execution_count: 1,
          source: "console.log(a < b)",
          outputs: [
            { output_type: "stream", name: "stdout", text: ["\u001b[31mred\u001b[0m text\n", "plain\n"] },
            { output_type: "stream", name: "stderr", text: "warning\n" },
          ],
        },
        {
          cell_type: "code",
          id: "c2",
          metadata: {},
          execution_count: 2,
          source: "show()",
          outputs: [
            { output_type: "display_data", data: { "text/html": "<table><tr><td>cell</td></tr></table>", "text/plain": "<Table>" }, metadata: {} },
            { output_type: "display_data", data: { "image/png": PNG, "text/plain": "<PNG>" }, metadata: { "image/png": { width: 64 } } },
            { output_type: "display_data", data: { "image/svg+xml": ["<svg xmlns=\"http://www.w3.org/2000/svg\">\n", "<circle r=\"4\"/></svg>"], "text/plain": "<SVG>" }, metadata: {} },
            { output_type: "display_data", data: { "text/markdown": "**md output**", "text/plain": "md" }, metadata: {} },
            { output_type: "execute_result", execution_count: 2, data: { "text/plain": "Map(1) { 'a' => <ref> }" }, metadata: {} },
          ],
        },
        {
          cell_type: "code",
          id: "c3",
          metadata: {},
          execution_count: 3,
          source: "fig",
          outputs: [
            { output_type: "display_data", data: { [PLOTLY_MIME]: FIGURE, "text/html": "<div>fallback figure</div>", "text/plain": "Figure" }, metadata: {} },
            { output_type: "display_data", data: { [PLOTLY_MIME]: FIGURE, "text/plain": "Figure 2" }, metadata: {} },
          ],
        },
        {
          cell_type: "code",
          id: "c4",
          metadata: {},
          execution_count: 4,
          source: "boom()",
          outputs: [{ output_type: "error", ename: "TypeError", evalue: "boom", traceback: ["\u001b[31mTypeError\u001b[0m: boom", "    at Cell [4], line 1:1"] }],
        },
        { cell_type: "raw", id: "r", metadata: {}, source: "raw text not shown" },
      ],
    }),
  );
}

describe("HTML export", () => {
  const html = notebookToHtml(notebook());

  it("is a standalone page titled by the first heading", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<title>AMP demo</title>");
    expect(html).not.toMatch(/<script src=|<link /); // works offline: nothing fetched
  });

  it("renders markdown cells safely", () => {
    expect(html).toContain('<h1 id="AMP-demo">AMP <em>demo</em></h1>');
    expect(html).toContain("Uses <code>fp16</code> &amp; &lt;script&gt;x&lt;/script&gt;");
  });

  it("shows code sources escaped, with prompts", () => {
    expect(html).toContain("In [1]:");
    expect(html).toContain("console.log(a &lt; b)");
  });

  it("converts ANSI colours in streams and errors, with stderr and errors marked", () => {
    expect(html).toContain('<pre class="output-stream stdout"><span style="color:#e75c58">red</span> text\nplain\n</pre>');
    expect(html).toContain('<pre class="output-stream stderr">warning\n</pre>');
    expect(html).toContain('<pre class="output-error"><span style="color:#e75c58">TypeError</span>: boom\n    at Cell [4], line 1:1</pre>');
    expect(html).not.toContain("\u001b");
  });

  it("inlines text/html, images as data URIs, svg, markdown outputs; escapes text/plain", () => {
    expect(html).toContain('<div class="output-html"><table><tr><td>cell</td></tr></table></div>');
    expect(html).toContain(`<img class="output-image" src="data:image/png;base64,${PNG}" width="64" alt="output image">`);
    expect(html).toContain('<div class="output-svg"><svg xmlns="http://www.w3.org/2000/svg">\n<circle r="4"/></svg></div>');
    expect(html).toContain('<div class="output-markdown"><p><strong>md output</strong></p></div>');
    expect(html).toContain("Out[2]:</div><pre class=\"output-text\">Map(1) { &#39;a&#39; =&gt; &lt;ref&gt; }</pre>");
    expect(html).not.toContain("<Table>"); // the richer text/html won
  });

  it("without plotly.js, figures fall back to their html or text", () => {
    expect(html).toContain("<div>fallback figure</div>");
    expect(html).toContain('<pre class="output-text">Figure 2</pre>');
    expect(html).not.toContain("Plotly.newPlot");
    expect(html).not.toContain("raw text not shown");
  });

  it("with plotly.js, draws every figure and inlines the library once", () => {
    const withPlotly = notebookToHtml(notebook(), { plotlyJs: "window.Plotly={newPlot(){}}; var s='</script>';" });
    expect(withPlotly.match(/window\.Plotly=/g)).toHaveLength(1);
    expect(withPlotly.match(/Plotly\.newPlot\(/g)).toHaveLength(2);
    expect(withPlotly).not.toContain("fallback figure");
    // nothing inside a script can close it early
    const scripts = withPlotly.match(/<script>[\s\S]*?<\/script>/g)!;
    expect(scripts.length).toBe(3);
    expect(scripts.join("")).toContain("\\u003c/script>\\u003cb>");
    expect(withPlotly).toContain("var s='<\\/script>';");
  });

  it("prefers mimetypes in JupyterLab's order", () => {
    expect(MIME_ORDER[0]).toBe(PLOTLY_MIME);
    expect(MIME_ORDER[MIME_ORDER.length - 1]).toBe("text/plain");
    expect(pickMimetype({ "text/plain": "x", "image/png": "p", "text/html": "h" }, true)).toBe("text/html");
    expect(pickMimetype({ "text/plain": "x", "image/png": "p", "image/svg+xml": "s" }, true)).toBe("image/svg+xml");
    expect(pickMimetype({ "text/plain": "x", [PLOTLY_MIME]: {} }, false)).toBe("text/plain");
    expect(pickMimetype({ "text/plain": "x", [PLOTLY_MIME]: {} }, true)).toBe(PLOTLY_MIME);
    expect(pickMimetype({ "application/x-unknown": 1 }, true)).toBeNull();
  });
});

describe("ANSI", () => {
  it("maps SGR codes to styles, including 256 and true colour, and drops other escapes", () => {
    expect(ansiToHtml("\x1b[1;34mbold blue\x1b[0m plain")).toBe('<span style="color:#208ffb;font-weight:bold">bold blue</span> plain');
    expect(ansiToHtml("\x1b[92mbright\x1b[39m")).toBe('<span style="color:#007427">bright</span>');
    expect(ansiToHtml("\x1b[38;5;196mx\x1b[48;2;1;2;3my")).toBe('<span style="color:rgb(255,0,0)">x</span><span style="color:rgb(255,0,0);background-color:rgb(1,2,3)">y</span>');
    expect(ansiToHtml("a\x1b[2K\x1b[1Gb\x1b]0;title\x07c")).toBe("abc");
    expect(ansiToHtml("<&>")).toBe("&lt;&amp;&gt;");
  });

  it("strips codes for plain-text reports", () => {
    expect(stripAnsi("\x1b[31m\x1b[1mTypeError\x1b[0m\x1b[0m: x")).toBe("TypeError: x");
  });
});
