import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../kernel/cli/html-markdown.js";

const md = (text: string) => renderMarkdown(text);

describe("renderMarkdown", () => {
  it("headings (ATX and setext) with ids", () => {
    expect(md("# Mixed precision")).toBe('<h1 id="Mixed-precision">Mixed precision</h1>');
    expect(md("### Loss *scaling* ###")).toBe('<h3 id="Loss-scaling">Loss <em>scaling</em></h3>');
    expect(md("Title\n=====")).toBe('<h1 id="Title">Title</h1>');
    expect(md("Sub\n---")).toBe('<h2 id="Sub">Sub</h2>');
    expect(md("#hashtag")).toBe("<p>#hashtag</p>");
  });

  it("paragraphs, emphasis, strikethrough, hard breaks", () => {
    expect(md("one\ntwo\n\nthree")).toBe("<p>one\ntwo</p>\n<p>three</p>");
    expect(md("*em* _em_ **strong** __strong__ ***both*** ~~gone~~")).toBe(
      "<p><em>em</em> <em>em</em> <strong>strong</strong> <strong>strong</strong> <strong><em>both</em></strong> <del>gone</del></p>",
    );
    expect(md("snake_case_name and 2 * 3 * 4")).toBe("<p>snake_case_name and 2 * 3 * 4</p>");
    expect(md("line  \nbreak")).toBe("<p>line<br>\nbreak</p>");
    expect(md("line\\\nbreak")).toBe("<p>line<br>\nbreak</p>");
    expect(md("\\*not em\\*")).toBe("<p>*not em*</p>");
  });

  it("code spans and code blocks are escaped and never formatted", () => {
    expect(md("use `a < b && *c*` here")).toBe("<p>use <code>a &lt; b &amp;&amp; *c*</code> here</p>");
    expect(md("``has ` tick``")).toBe("<p><code>has ` tick</code></p>");
    expect(md("```ts\nconst x = <T>(a: T) => a; // *no*\n```")).toBe(
      '<pre><code class="language-ts">const x = &lt;T&gt;(a: T) =&gt; a; // *no*\n</code></pre>',
    );
    expect(md("~~~\nraw\n~~~")).toBe("<pre><code>raw\n</code></pre>");
    expect(md("    indented\n    code")).toBe("<pre><code>indented\ncode\n</code></pre>");
  });

  it("lists: bullets, ordered with start, nesting, task boxes, loose items", () => {
    expect(md("- a\n- b *c*")).toBe("<ul>\n<li>a</li>\n<li>b <em>c</em></li>\n</ul>");
    expect(md("3. three\n4. four")).toBe('<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>');
    expect(md("- outer\n  - inner\n  - inner 2\n- next")).toBe(
      "<ul>\n<li>outer\n<ul>\n<li>inner</li>\n<li>inner 2</li>\n</ul></li>\n<li>next</li>\n</ul>",
    );
    expect(md("- [ ] todo\n- [x] done")).toBe(
      '<ul>\n<li><input type="checkbox" disabled> todo</li>\n<li><input type="checkbox" disabled checked> done</li>\n</ul>',
    );
    expect(md("- a\n\n- b")).toBe("<ul>\n<li><p>a</p></li>\n<li><p>b</p></li>\n</ul>");
    expect(md("1. a\n   continued\n2. b")).toBe("<ol>\n<li>a\ncontinued</li>\n<li>b</li>\n</ol>");
  });

  it("links, images, autolinks, reference links", () => {
    expect(md("[tfjs](https://js.tensorflow.org \"TF\")")).toBe('<p><a href="https://js.tensorflow.org" title="TF">tfjs</a></p>');
    expect(md("![plot](img/a.png)")).toBe('<p><img src="img/a.png" alt="plot"></p>');
    expect(md("<https://example.com/x>")).toBe('<p><a href="https://example.com/x">https://example.com/x</a></p>');
    expect(md("see https://example.com/a_b_c.")).toBe('<p>see <a href="https://example.com/a_b_c">https://example.com/a_b_c</a>.</p>');
    expect(md("[the paper][mp]\n\n[mp]: https://arxiv.org/abs/1710.03740")).toBe('<p><a href="https://arxiv.org/abs/1710.03740">the paper</a></p>');
    expect(md("[**bold** link](#sec)")).toBe('<p><a href="#sec"><strong>bold</strong> link</a></p>');
  });

  it("tables with alignment", () => {
    expect(md("| format | bits |\n|:--|--:|\n| fp16 | 16 |\n| `bf16` | 16 |")).toBe(
      "<table>\n<thead>\n" +
        '<tr><th style="text-align:left">format</th><th style="text-align:right">bits</th></tr>\n' +
        "</thead>\n<tbody>\n" +
        '<tr><td style="text-align:left">fp16</td><td style="text-align:right">16</td></tr>\n' +
        '<tr><td style="text-align:left"><code>bf16</code></td><td style="text-align:right">16</td></tr>\n' +
        "</tbody>\n</table>",
    );
  });

  it("block quotes and rules", () => {
    expect(md("> quoted *text*\n> more")).toBe("<blockquote>\n<p>quoted <em>text</em>\nmore</p>\n</blockquote>");
    expect(md("a\n\n---\n\nb")).toBe("<p>a</p>\n<hr>\n<p>b</p>");
    expect(md("***")).toBe("<hr>");
  });

  it("math is kept verbatim, untouched by emphasis", () => {
    expect(md("scale $s_t = 2^{16} * k_i$ here")).toBe('<p>scale <span class="math">$s_t = 2^{16} * k_i$</span> here</p>');
    expect(md("$$\nx_1 * y_2\n$$")).toBe('<div class="math">$$\nx_1 * y_2\n$$</div>');
    expect(md("costs $5 and $6")).toBe("<p>costs $5 and $6</p>");
  });

  it("is safe: raw HTML escaped, script URLs dropped, only plain inline tags pass", () => {
    expect(md("<script>alert(1)</script>")).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
    expect(md('<img src=x onerror="alert(1)">')).toBe("<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>");
    expect(md("[click](javascript:alert(1))")).toBe("<p>click</p>");
    expect(md("![x](javascript:alert(1))")).toBe("<p>x</p>");
    expect(md('[a](https://x.org/"onmouseover="y)')).toBe('<p><a href="https://x.org/&quot;onmouseover=&quot;y">a</a></p>');
    expect(md("H<sub>2</sub>O<br>and <b>bold</b>")).toBe("<p>H<sub>2</sub>O<br>and <b>bold</b></p>");
    expect(md('<b onclick="x">no</b>')).toBe("<p>&lt;b onclick=&quot;x&quot;&gt;no</p>"); // stray closer dropped
    expect(md("<b>unclosed")).toBe("<p><b>unclosed</b></p>");
  });

  it("resolves attachment images through the option", () => {
    const html = renderMarkdown("![fig](attachment:fig.png)", { resolveImage: (src) => (src === "attachment:fig.png" ? "data:image/png;base64,AAAA" : undefined) });
    expect(html).toBe('<p><img src="data:image/png;base64,AAAA" alt="fig"></p>');
    expect(renderMarkdown("![fig](attachment:missing.png)")).toBe("<p>fig</p>");
  });
});
