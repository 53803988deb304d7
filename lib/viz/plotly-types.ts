// The shapes of a plotly figure as tsamp uses them: loose on purpose. plotly.js validates
// attributes itself (unknown ones are ignored), and its full typings would weigh on the language
// service every notebook cell goes through.

/** One trace: { type: "scatter", x, y, name, ... }. */
export interface Trace {
  type?: string;
  name?: string;
  x?: ArrayLike<unknown>;
  y?: ArrayLike<unknown>;
  z?: ArrayLike<unknown>;
  [attribute: string]: unknown;
}

/** A layout (or any nested attribute object). */
export interface Layout {
  [attribute: string]: unknown;
}

export interface Config {
  [attribute: string]: unknown;
}

/** What `application/vnd.plotly.v1+json` carries. */
export interface FigureJson {
  data: Trace[];
  layout: Layout;
  config: Config;
}
