import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/** The real-world suite: reads ../shared/fixtures (present on developer machines and in CI, never copied in). */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["test/real-world/**/*.test.ts"],
      exclude: ["**/node_modules/**"],
      testTimeout: 300_000,
    },
  }),
);
