import path from "node:path";

// TypeScript asks, on every new program and for every file whose path contains a node_modules
// folder, which package.json scope the file is in (to know whether it is an ES module or CommonJS);
// over the ~800 declaration files of lib, @types/node and tfjs that is half of checking a new cell.
// The notebook's program therefore sees those files under another name: each `/node_modules/` of
// a path becomes `/.tsamp-modules/` (a folder that does not exist), and the host maps the name
// back whenever it touches the disk. Module resolution runs on real paths and its results are
// renamed, so packages resolve exactly as before.

const REAL = `${path.sep}node_modules${path.sep}`;
const ALIAS = `${path.sep}.tsamp-modules${path.sep}`;

/** The name the program knows a disk path by. */
export function programPath(diskPath: string): string {
  return diskPath.includes(REAL) ? diskPath.split(REAL).join(ALIAS) : diskPath;
}

/** The disk path of a name the program knows. */
export function diskPath(programPath: string): string {
  return programPath.includes(ALIAS) ? programPath.split(ALIAS).join(REAL) : programPath;
}
