// The tests run the real sandbox against a real library (and build the project first): a busy
// machine makes them slow, not wrong, so they get minutes rather than vitest's 5 s default.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // sdx's packages load as Node loads them. Linked from an sdx checkout (`file:` dependencies,
    // outside node_modules), vitest would transform them module by module instead: ~3 s before
    // every run's first test.
    server: { deps: { external: [/[\\/]packages[\\/](testing|sdk|host|sandbox|bundle|bundle-format|codegen|cli)[\\/]dist[\\/]/] } },
  },
});
