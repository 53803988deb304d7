import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // package.json maps "#typescript" to the built kernel/typescript-compiler.js; tests run the source.
    alias: { "#typescript": fileURLToPath(new URL("./kernel/typescript-compiler.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
