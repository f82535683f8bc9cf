// The tests run the real sandbox against a real library (and build the project first): a busy
// machine makes them slow, not wrong, so they get minutes rather than vitest's 5 s default.
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000 } });
