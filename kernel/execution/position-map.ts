import { SourceMapConsumer, type RawSourceMap } from "source-map-js";

/** A 1-based line and 1-based column, as V8 prints them in stack traces and editors show them. */
export interface LineColumn {
  line: number;
  column: number;
}

/**
 * Maps positions in a compiled cell's JavaScript back to the cell's TypeScript source, through the
 * source map TypeScript emitted (which also covers the wrapper lines the compiler added: those map
 * to nothing). The consumer is built on first use: most cells never throw.
 */
export class PositionMap {
  #consumer: SourceMapConsumer | undefined;

  constructor(readonly rawSourceMap: string) {}

  /** Cell position of a 1-based generated line:column, or undefined for code the compiler added. */
  toCell(line: number, column: number): LineColumn | undefined {
    this.#consumer ??= new SourceMapConsumer(JSON.parse(this.rawSourceMap) as RawSourceMap);
    const consumer = this.#consumer;
    // Nearest mapping at or before the column on that line; else the next one on the line.
    for (const bias of [SourceMapConsumer.GREATEST_LOWER_BOUND, SourceMapConsumer.LEAST_UPPER_BOUND]) {
      const found = consumer.originalPositionFor({ line, column: Math.max(0, column - 1), bias });
      if (found.line != null && found.column != null) return { line: found.line, column: found.column + 1 };
    }
    return undefined;
  }
}
