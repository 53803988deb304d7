// kernel_info_reply content: static, so the server thread can answer it before TypeScript loads.
import { readFileSync } from "node:fs";
import { PROTOCOL_VERSION, type JsonObject } from "./protocol/messages.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** The TypeScript version the kernel compiles with, read without loading the compiler. */
function typescriptVersion(): string {
  try {
    const tsPkg = new URL("../../node_modules/typescript/package.json", import.meta.url);
    return (JSON.parse(readFileSync(tsPkg, "utf8")) as { version: string }).version;
  } catch {
    return "5";
  }
}

export function kernelInfo(): JsonObject {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "tsamp",
    implementation_version: pkg.version,
    language_info: {
      name: "typescript",
      version: typescriptVersion(),
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: "typescript",
      pygments_lexer: "typescript",
    },
    banner: `tsamp ${pkg.version}: TypeScript for mixed-precision training on TensorFlow.js (node ${process.version})`,
    debugger: false,
    help_links: [
      { text: "tsamp tutorials", url: "https://github.com/tsamp/tsamp/tree/main/notebooks" },
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "TensorFlow.js API", url: "https://js.tensorflow.org/api/latest/" },
      { text: "Jupyter messaging", url: "https://jupyter-client.readthedocs.io/en/latest/messaging.html" },
    ],
  };
}
