import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

/**
 * Unit tests import workspace packages from source (no build needed); end-to-end tests in test/
 * spawn the real `sdx` binary, which runs the built dist/ (built by `npm ci` through `prepare`).
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@sdx\/sdk$/, replacement: src("sdk/src/index.ts") },
      { find: /^@sdx\/sdk\/(protocol|wire|manifest|codes|errors|core-schema|ui-manifest)$/, replacement: src("sdk/src/$1.ts") },
      { find: /^@sdx\/sdk\/query$/, replacement: src("sdk/src/query/index.ts") },
      { find: /^@sdx\/sdk\/guest$/, replacement: src("sdk/src/guest/index.ts") },
      { find: /^@sdx\/codegen$/, replacement: src("codegen/src/index.ts") },
      { find: /^@sdx\/bundle$/, replacement: src("bundle/src/index.ts") },
      { find: /^@sdx\/bundle-format$/, replacement: src("bundle-format/src/index.ts") },
      { find: /^@sdx\/sandbox$/, replacement: src("sandbox/src/index.ts") },
      { find: /^@sdx\/sandbox\/testing$/, replacement: src("sandbox/src/testing.ts") },
      { find: /^@sdx\/host$/, replacement: src("host/src/index.ts") },
      { find: /^@sdx\/testing$/, replacement: src("testing/src/index.ts") },
    ],
  },
  esbuild: { target: "es2022" },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/real-world/**", "**/fixtures/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
