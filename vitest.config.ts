import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

/**
 * Whole-product scenarios through the real CLI (several processes, servers on loopback, a browser,
 * npm install): `npm run test:e2e` (vitest.e2e.config.ts), so `npm test` stays near 5 minutes on
 * 2 cores. CI runs both.
 */
export const E2E_SUITE = [
  "test/agents.test.ts",
  "test/crash-cli.test.ts",
  "test/crash-resume.test.ts",
  "test/demo.test.ts",
  "test/devices-execute.test.ts",
  "test/devices-sync.test.ts",
  "test/getting-started-doc.test.ts",
  "test/init-anywhere.test.ts",
  "test/jobs-actions-cli.test.ts",
  "test/key-rotation.test.ts",
  "test/photos-caption.test.ts",
  "test/ui-preview.test.ts",
];

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
    exclude: ["**/node_modules/**", "test/real-world/**", "**/fixtures/**", ...E2E_SUITE],
    // Time bounds turn a hang into a failure; they are not speed limits. A test's own waits are
    // gates (files, barriers, fake clocks), never sleeps. End-to-end tests run real processes,
    // each `sdx` run about a second of CPU for Node and the host's modules: on a 2-core machine at
    // load 20 that is 10-15 s of wall time each, so a test of four runs needs more than a minute.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Each test file in its own child process, two at a time (vitest's default is one per core
    // but one: a single fork on 2 cores, while end-to-end files mostly wait on their children). A fork must never block its thread for long: vitest 3 answers the runner's RPC
    // (onTaskUpdate) with a fixed 60 s timeout that no option changes, and a blocked fork fails
    // the whole run with "[vitest-worker]: Timeout calling onTaskUpdate" even when every test
    // passed. So tests run processes asynchronously (test/helpers/cli.ts), never with spawnSync.
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
  },
});
