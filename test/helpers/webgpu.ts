// Starting the webgpu backend for a test file: where it cannot start, the file's suite is skipped
// with a loud warning, unless TSAMP_REQUIRE_WEBGPU=1 (test.sh sets it), which makes it a failure.
import { backends } from "../../lib/backends/index.js";

export const REQUIRE_WEBGPU = process.env["TSAMP_REQUIRE_WEBGPU"] === "1";

/** Switches to webgpu; returns null, or why it could not start (after warning, when not required). */
export async function useWebgpu(testFile: string): Promise<string | null> {
  try {
    await backends.use("webgpu");
    return null;
  } catch (err) {
    const why = (err as Error).message;
    if (!REQUIRE_WEBGPU) console.warn(`\n*** SKIPPED ${testFile}: webgpu is not available here: ${why}\n`);
    return why;
  }
}
