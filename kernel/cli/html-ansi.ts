// ANSI escape codes in stream text and tracebacks: converted to styled spans for the HTML export
// (colours as JupyterLab shows them), or stripped for a terminal-free report.

/** CSI sequences (colours, cursor movement, erase), OSC sequences (titles, hyperlinks) and lone escapes. */
const ESCAPE = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, "");
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

// JupyterLab's ANSI palette: normal 0-7, then bright 8-15.
const PALETTE = [
  "#3e424d", "#e75c58", "#00a250", "#ddb62b", "#208ffb", "#d160c4", "#60c6c8", "#c5c1b4",
  "#282c36", "#b22b31", "#007427", "#b27d12", "#0065ca", "#a03196", "#258f8f", "#a1a6b2",
];

function color256(n: number): string | null {
  if (!Number.isInteger(n) || n < 0 || n > 255) return null;
  if (n < 16) return PALETTE[n];
  if (n < 232) {
    const levels = [0, 95, 135, 175, 215, 255];
    const i = n - 16;
    return rgb(levels[Math.floor(i / 36)], levels[Math.floor(i / 6) % 6], levels[i % 6]);
  }
  const gray = 8 + 10 * (n - 232);
  return rgb(gray, gray, gray);
}

function rgb(r: number, g: number, b: number): string {
  return `rgb(${r},${g},${b})`;
}

interface Style {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
  inverse: boolean;
}

const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, strike: false, inverse: false };

/** Applies one SGR parameter list ("1;31", "38;5;208", "38;2;10;20;30") to a style. */
function applySgr(style: Style, params: string): Style {
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  const next = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0) Object.assign(next, PLAIN);
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code === 27) next.inverse = false;
    else if (code === 29) next.strike = false;
    else if (code >= 30 && code <= 37) next.fg = PALETTE[code - 30];
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = PALETTE[code - 40];
    else if (code === 49) next.bg = null;
    else if (code >= 90 && code <= 97) next.fg = PALETTE[code - 90 + 8];
    else if (code >= 100 && code <= 107) next.bg = PALETTE[code - 100 + 8];
    else if (code === 38 || code === 48) {
      let value: string | null = null;
      if (codes[i + 1] === 5) {
        value = color256(codes[i + 2]);
        i += 2;
      } else if (codes[i + 1] === 2) {
        const [r, g, b] = codes.slice(i + 2, i + 5);
        if ([r, g, b].every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) value = rgb(r, g, b);
        i += 4;
      }
      if (value) {
        if (code === 38) next.fg = value;
        else next.bg = value;
      }
    }
  }
  return next;
}

function css(style: Style): string {
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? "var(--tsamp-bg, #fff)", fg ?? "var(--tsamp-fg, #000)"];
  const parts: string[] = [];
  if (fg) parts.push(`color:${fg}`);
  if (bg) parts.push(`background-color:${bg}`);
  if (style.bold) parts.push("font-weight:bold");
  if (style.dim) parts.push("opacity:0.7");
  if (style.italic) parts.push("font-style:italic");
  const lines = [style.underline ? "underline" : "", style.strike ? "line-through" : ""].filter(Boolean);
  if (lines.length) parts.push(`text-decoration:${lines.join(" ")}`);
  return parts.join(";");
}

/** Escaped HTML for text with ANSI codes: SGR colours and styles become spans, other codes vanish. */
export function ansiToHtml(text: string): string {
  let html = "";
  let style = PLAIN;
  let last = 0;
  const emit = (chunk: string) => {
    if (!chunk) return;
    const rule = css(style);
    html += rule ? `<span style="${rule}">${escapeHtml(chunk)}</span>` : escapeHtml(chunk);
  };
  for (const match of text.matchAll(ESCAPE)) {
    emit(text.slice(last, match.index));
    last = match.index! + match[0].length;
    if (match[2] === "m") style = applySgr(style, match[1] ?? "");
  }
  emit(text.slice(last));
  return html;
}
