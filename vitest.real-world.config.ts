import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/** The real-world suite: reads ../shared/fixtures (present on developer machines and in CI, never copied in). */
// Spread rather than mergeConfig: merging would concatenate the base `exclude`, which excludes this suite.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ["test/real-world/**/*.test.ts"], exclude: ["**/node_modules/**"], testTimeout: 300_000 },
});
