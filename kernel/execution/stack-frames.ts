/** One `    at ...` line of a V8 stack trace. */
export interface StackFrame {
  /** The line as V8 wrote it, without leading spaces. */
  raw: string;
  /** "f", "C.method", "new C", "async f", or "" for an anonymous function. */
  functionName: string;
  /** A path, a file: URL, "node:..." or a vm script's file name ("cell-7.ts"); "" if none. */
  file: string;
  /** 1-based, as V8 prints them; 0 when the frame has no position. */
  line: number;
  column: number;
}

const FRAME = /^\s*at\s+(.*)$/;
const LOCATION = /^(.*):(\d+):(\d+)$/;

/** The frames of `stack` (what V8 puts in `error.stack`), skipping the message lines before them. */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of stack.split("\n")) {
    const at = FRAME.exec(line);
    if (at) frames.push(parseFrame(at[1]!));
  }
  return frames;
}

function parseFrame(text: string): StackFrame {
  let functionName = "";
  let location = text;
  // "name (location)"; the name itself may contain spaces and parentheses ("async Promise.all").
  if (text.endsWith(")")) {
    const open = text.lastIndexOf(" (");
    if (open >= 0) {
      functionName = text.slice(0, open);
      location = text.slice(open + 2, -1);
    }
  } else if (text.startsWith("async ")) {
    functionName = "async";
    location = text.slice("async ".length);
  }
  const position = LOCATION.exec(location);
  if (!position) return { raw: text, functionName: functionName || text, file: "", line: 0, column: 0 };
  return { raw: text, functionName, file: position[1]!, line: Number(position[2]), column: Number(position[3]) };
}
