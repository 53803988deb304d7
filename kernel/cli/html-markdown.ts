// A small, safe Markdown renderer for the HTML export (markdown cells and text/markdown outputs):
// ATX and setext headings, paragraphs, emphasis, strikethrough, code spans, fenced and indented code,
// nested lists (with task boxes), block quotes, rules, links and images (inline and reference),
// autolinks, GFM pipe tables, hard breaks, and $math$ kept verbatim for a math renderer.
//
// Safe: raw HTML is escaped (only a few attribute-less inline tags such as <br>, <b>, <sub> pass),
// and links or images with a scheme other than http(s)/mailto/ftp (or data:image for images) lose
// their target, so a notebook's markdown cannot run script in the exported page.
import { escapeHtml } from "./html-ansi.js";

export interface MarkdownOptions {
  /** Resolves an image source such as "attachment:plot.png" to a URL (a data URI); undefined drops it. */
  resolveImage?: (src: string) => string | undefined;
}

interface Context {
  options: MarkdownOptions;
  refs: Map<string, { href: string; title?: string }>;
}

export function renderMarkdown(markdown: string, options: MarkdownOptions = {}): string {
  const ctx: Context = { options, refs: new Map() };
  const lines = collectReferences(markdown.replace(/\r\n?/g, "\n").split("\n").map(expandTabs), ctx);
  return renderBlocks(lines, ctx, false);
}

/** Renders one line of Markdown without a surrounding block (headings, table cells, link text). */
export function renderMarkdownInline(markdown: string, options: MarkdownOptions = {}): string {
  return renderInline(markdown, { options, refs: new Map() });
}

// ---------------------------------------------------------------------------------------------
// Blocks

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const LIST = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const MATH_BLOCK = /^ {0,3}\$\$/;
const REFERENCE = /^ {0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?(?:\s+(?:"([^"]*)"|'([^']*)'|\(([^)]*)\)))?\s*$/;

function expandTabs(line: string): string {
  const lead = /^[ \t]*/.exec(line)![0];
  if (!lead.includes("\t")) return line;
  let width = 0;
  for (const c of lead) width = c === "\t" ? width + 4 - (width % 4) : width + 1;
  return " ".repeat(width) + line.slice(lead.length);
}

function collectReferences(lines: string[], ctx: Context): string[] {
  let inFence = false;
  return lines.filter((line) => {
    if (FENCE.test(line)) inFence = !inFence;
    if (inFence) return true;
    const m = REFERENCE.exec(line);
    if (!m) return true;
    ctx.refs.set(normalizeLabel(m[1]), { href: m[2], title: m[3] ?? m[4] ?? m[5] });
    return false;
  });
}

function normalizeLabel(label: string): string {
  return label.trim().replace(/\s+/g, " ").toLowerCase();
}

const isBlank = (line: string) => line.trim() === "";
const indentOf = (line: string) => /^ */.exec(line)![0].length;

function isBlockStart(line: string): boolean {
  return FENCE.test(line) || ATX.test(line) || HR.test(line) || QUOTE.test(line) || LIST.test(line) || MATH_BLOCK.test(line);
}

function renderBlocks(lines: string[], ctx: Context, tight: boolean): string {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }

    const fence = FENCE.exec(line);
    if (fence) {
      const [, indent, marks, lang] = fence;
      const body: string[] = [];
      i++;
      const close = new RegExp(`^ {0,3}${marks[0] === "`" ? "`" : "~"}{${marks.length},}\\s*$`);
      while (i < lines.length && !close.test(lines[i])) body.push(lines[i++].replace(new RegExp(`^ {0,${indent.length}}`), ""));
      i++;
      const cls = lang ? ` class="language-${escapeHtml(lang)}"` : "";
      out.push(`<pre><code${cls}>${escapeHtml(body.join("\n") + (body.length ? "\n" : ""))}</code></pre>`);
      continue;
    }

    if (MATH_BLOCK.test(line)) {
      // $$ ... $$ kept verbatim (escaped) for MathJax/KaTeX, never parsed as Markdown.
      const body = [line.trim()];
      let closed = line.trim().length > 2 && line.trim().endsWith("$$");
      i++;
      while (!closed && i < lines.length) {
        body.push(lines[i]);
        closed = lines[i++].trim().endsWith("$$");
      }
      out.push(`<div class="math">${escapeHtml(body.join("\n"))}</div>`);
      continue;
    }

    const atx = ATX.exec(line);
    if (atx) {
      out.push(heading(atx[1].length, atx[2] ?? "", ctx));
      i++;
      continue;
    }

    if (HR.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }

    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (QUOTE.test(lines[i]) || (!isBlank(lines[i]) && !isBlockStart(lines[i]) && body.length > 0 && !isBlank(body[body.length - 1])))) {
        body.push(lines[i].replace(QUOTE, ""));
        i++;
      }
      out.push(`<blockquote>\n${renderBlocks(body, ctx, false)}\n</blockquote>`);
      continue;
    }

    if (LIST.test(line)) {
      const list = parseList(lines, i);
      out.push(renderList(list, ctx));
      i = list.end;
      continue;
    }

    if (indentOf(line) >= 4) {
      const body: string[] = [];
      while (i < lines.length && (indentOf(lines[i]) >= 4 || isBlank(lines[i]))) body.push(lines[i++].slice(4));
      while (body.length && isBlank(body[body.length - 1])) body.pop();
      out.push(`<pre><code>${escapeHtml(body.join("\n") + "\n")}</code></pre>`);
      continue;
    }

    if (line.includes("|") && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      const header = splitRow(line);
      const aligns = splitRow(lines[i + 1]).map((cell) => {
        const left = cell.startsWith(":");
        const right = cell.endsWith(":");
        return left && right ? "center" : right ? "right" : left ? "left" : "";
      });
      if (header.length === aligns.length) {
        i += 2;
        const rows: string[][] = [];
        while (i < lines.length && !isBlank(lines[i]) && !isBlockStart(lines[i])) rows.push(splitRow(lines[i++]));
        out.push(renderTable(header, aligns, rows, ctx));
        continue;
      }
    }

    // A paragraph, or a setext heading when underlined with === or ---.
    const para: string[] = [line];
    i++;
    let level = 0;
    while (i < lines.length && !isBlank(lines[i])) {
      if (/^ {0,3}=+\s*$/.test(lines[i])) level = 1;
      else if (/^ {0,3}-+\s*$/.test(lines[i])) level = 2;
      if (level) {
        i++;
        break;
      }
      if (isBlockStart(lines[i])) break;
      para.push(lines[i++]);
    }
    const text = para.map((l) => l.replace(/^ +/, "")).join("\n");
    if (level) out.push(heading(level, text, ctx));
    else out.push(tight ? renderInline(text, ctx) : `<p>${renderInline(text, ctx)}</p>`);
  }
  return out.join("\n");
}

function heading(level: number, text: string, ctx: Context): string {
  const slug = text
    .trim()
    .replace(/[`*_~[\]()$\\]/g, "")
    .replace(/\s+/g, "-");
  return `<h${level} id="${escapeHtml(slug)}">${renderInline(text.trim(), ctx)}</h${level}>`;
}

interface List {
  ordered: boolean;
  start: number;
  loose: boolean;
  items: string[][];
  end: number;
}

function listType(match: RegExpExecArray): string {
  const marker = match[2];
  return /\d/.test(marker) ? marker[marker.length - 1] : marker;
}

function parseList(lines: string[], from: number): List {
  const first = LIST.exec(lines[from])!;
  const type = listType(first);
  const ordered = /\d/.test(first[2]);
  const list: List = { ordered, start: ordered ? parseInt(first[2], 10) : 1, loose: false, items: [], end: from };
  let i = from;
  while (i < lines.length) {
    const m = LIST.exec(lines[i]);
    if (!m || listType(m) !== type) break;
    const [, indent, marker, spacing, rest] = m;
    const contentIndent = indent.length + marker.length + (rest === "" || spacing.length > 4 ? 1 : spacing.length);
    const item = [rest];
    i++;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        let j = i;
        while (j < lines.length && isBlank(lines[j])) j++;
        if (j < lines.length && indentOf(lines[j]) >= contentIndent) {
          for (; i < j; i++) item.push("");
          list.loose = true;
          continue;
        }
        break;
      }
      if (indentOf(line) >= contentIndent) {
        item.push(line.slice(contentIndent));
        i++;
        continue;
      }
      if (!isBlank(item[item.length - 1]) && !isBlockStart(line)) {
        item.push(line.trim()); // lazy continuation of the item's paragraph
        i++;
        continue;
      }
      break;
    }
    list.items.push(item);
    // Blank lines between two items of the same list make it loose.
    let j = i;
    while (j < lines.length && isBlank(lines[j])) j++;
    const next = j < lines.length ? LIST.exec(lines[j]) : null;
    if (!next || listType(next) !== type || HR.test(lines[j])) break;
    if (j > i) list.loose = true;
    i = j;
  }
  list.end = i;
  return list;
}

function renderList(list: List, ctx: Context): string {
  const tag = list.ordered ? "ol" : "ul";
  const start = list.ordered && list.start !== 1 ? ` start="${list.start}"` : "";
  const items = list.items.map((lines) => {
    const task = /^\[([ xX])\][ \t]+/.exec(lines[0]);
    let box = "";
    if (task) {
      box = `<input type="checkbox" disabled${task[1] === " " ? "" : " checked"}> `;
      lines = [lines[0].slice(task[0].length), ...lines.slice(1)];
    }
    return `<li>${box}${renderBlocks(lines, ctx, !list.loose)}</li>`;
  });
  return `<${tag}${start}>\n${items.join("\n")}\n</${tag}>`;
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function renderTable(header: string[], aligns: string[], rows: string[][], ctx: Context): string {
  const cell = (tag: string, text: string, at: number) =>
    `<${tag}${aligns[at] ? ` style="text-align:${aligns[at]}"` : ""}>${renderInline(text, ctx)}</${tag}>`;
  const head = `<tr>${header.map((text, at) => cell("th", text, at)).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${header.map((_, at) => cell("td", row[at] ?? "", at)).join("")}</tr>`);
  return `<table>\n<thead>\n${head}\n</thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table>`;
}

// ---------------------------------------------------------------------------------------------
// Inlines

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;
const INLINE_TAGS = /^<(\/?)(b|i|em|strong|code|sub|sup|kbd|u|s|del|ins|mark|small|br)\s*\/?>/i;
const AUTOLINK = /^<((?:https?|ftp):\/\/[^\s<>]*|mailto:[^\s<>]+)>/i;
const BARE_URL = /^(?:https?:\/\/|www\.)[^\s<]*[^\s<.,:;"')\]!?*_~]/;

function safeHref(href: string): string | null {
  const url = href.trim();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return url; // relative, #anchor, /path
  return /^(https?|mailto|ftp):/i.test(url) ? url : null;
}

function safeImage(src: string, ctx: Context): string | null {
  const resolved = ctx.options.resolveImage?.(src);
  if (resolved !== undefined) return resolved;
  if (/^data:image\/(png|jpe?g|gif|webp|svg\+xml);/i.test(src)) return src;
  return /^attachment:/i.test(src) ? null : safeHref(src);
}

/** Finds the "]" closing the "[" at `open`, honouring nesting, escapes and code spans. */
function closingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "`") {
      const run = /^`+/.exec(text.slice(i))![0];
      const close = text.indexOf(run, i + run.length);
      if (close >= 0) i = close + run.length - 1;
    } else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  return -1;
}

interface LinkTarget {
  href: string;
  title?: string;
  end: number;
}

/** Parses `(dest "title")` or `[ref]` right after a link's text. */
function linkTarget(text: string, at: number, label: string, ctx: Context): LinkTarget | null {
  if (text[at] === "(") {
    const m = /^\(\s*(?:<([^<>\n]*)>|((?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))(?:\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'))?\s*\)/.exec(text.slice(at));
    if (!m) return null;
    return { href: (m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"), title: m[3] ?? m[4], end: at + m[0].length };
  }
  if (text[at] === "[") {
    const close = text.indexOf("]", at);
    if (close < 0) return null;
    const ref = ctx.refs.get(normalizeLabel(text.slice(at + 1, close) || label));
    return ref ? { ...ref, end: close + 1 } : null;
  }
  const ref = ctx.refs.get(normalizeLabel(label));
  return ref ? { ...ref, end: at } : null;
}

function renderInline(text: string, ctx: Context): string {
  const held: string[] = [];
  const hold = (html: string) => `\uE000${held.push(html) - 1}\uE001`;
  const open: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i);

    if (c === "\\" && i + 1 < text.length) {
      if (text[i + 1] === "\n") {
        out += hold("<br>\n");
        i += 2;
        continue;
      }
      if (PUNCTUATION.test(text[i + 1])) {
        out += hold(escapeHtml(text[i + 1]));
        i += 2;
        continue;
      }
    }

    if (c === "`") {
      const run = /^`+/.exec(rest)![0];
      const close = new RegExp(`(?<!\`)${run}(?!\`)`).exec(text.slice(i + run.length));
      if (close) {
        let code = text.slice(i + run.length, i + run.length + close.index).replace(/\n/g, " ");
        if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
        out += hold(`<code>${escapeHtml(code)}</code>`);
        i += run.length + close.index + run.length;
      } else {
        out += hold(escapeHtml(run));
        i += run.length;
      }
      continue;
    }

    if (c === "$") {
      // Inline math, kept verbatim so emphasis never eats its underscores and stars.
      const m = /^\$\$[^$]+\$\$/.exec(rest) ?? /^\$(?=[^\s$])[^$\n]*[^\s$\\]\$(?!\d)|^\$[^\s$]\$(?!\d)/.exec(rest);
      if (m) {
        out += hold(`<span class="math">${escapeHtml(m[0])}</span>`);
        i += m[0].length;
        continue;
      }
    }

    if ((c === "!" && text[i + 1] === "[") || c === "[") {
      const open = c === "!" ? i + 1 : i;
      const close = closingBracket(text, open);
      if (close > 0) {
        const label = text.slice(open + 1, close);
        const target = linkTarget(text, close + 1, label, ctx);
        if (target) {
          const title = target.title ? ` title="${escapeHtml(target.title)}"` : "";
          if (c === "!") {
            const src = safeImage(target.href, ctx);
            const alt = escapeHtml(label.replace(/[*_`[\]]/g, ""));
            out += hold(src === null ? alt : `<img src="${escapeHtml(src)}" alt="${alt}"${title}>`);
          } else {
            const href = safeHref(target.href);
            const inner = renderInline(label, ctx);
            out += hold(href === null ? inner : `<a href="${escapeHtml(href)}"${title}>${inner}</a>`);
          }
          i = target.end;
          continue;
        }
      }
    }

    if (c === "<") {
      const auto = AUTOLINK.exec(rest);
      if (auto) {
        out += hold(`<a href="${escapeHtml(auto[1])}">${escapeHtml(auto[1].replace(/^mailto:/i, ""))}</a>`);
        i += auto[0].length;
        continue;
      }
      const tag = INLINE_TAGS.exec(rest);
      if (tag) {
        // Allowed tags stay balanced: a stray closer is dropped, an unclosed opener closed at the end.
        const name = tag[2].toLowerCase();
        if (name === "br") out += hold("<br>");
        else if (!tag[1]) {
          open.push(name);
          out += hold(`<${name}>`);
        } else if (open[open.length - 1] === name) {
          open.pop();
          out += hold(`</${name}>`);
        }
        i += tag[0].length;
        continue;
      }
    }

    if ((c === "h" || c === "w") && !/\w/.test(text[i - 1] ?? "")) {
      const url = BARE_URL.exec(rest);
      if (url) {
        const href = url[0].startsWith("www.") ? `http://${url[0]}` : url[0];
        out += hold(`<a href="${escapeHtml(href)}">${escapeHtml(url[0])}</a>`);
        i += url[0].length;
        continue;
      }
    }

    if (c === " ") {
      const hard = /^ {2,}\n/.exec(rest);
      if (hard) {
        out += hold("<br>\n");
        i += hard[0].length;
        continue;
      }
    }

    out += c;
    i++;
  }
  while (open.length) out += hold(`</${open.pop()}>`);
  const html = emphasis(escapeHtml(out.replace(/ +\n/g, "\n").replace(/ +$/, "")));
  return html.replace(/\uE000(\d+)\uE001/g, (_, n: string) => held[Number(n)]);
}

/** Emphasis on already-escaped text (placeholders stand in for code, links and math). Underscores
 * only count at word boundaries, so snake_case_names stay as they are. */
function emphasis(html: string): string {
  return html
    .replace(/\*\*\*(?=\S)([\s\S]*?\S)\*\*\*/g, "<strong><em>$1</em></strong>")
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/\*(?=[^\s*])([\s\S]*?[^\s*])\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])___(?=\S)([\s\S]*?\S)___(?!\w)/g, "$1<strong><em>$2</em></strong>")
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/(^|[^\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
}
