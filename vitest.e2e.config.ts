import { defineConfig } from "vitest/config";
import base, { E2E_SUITE } from "./vitest.config.js";

/** The whole-product scenarios `npm test` leaves out (see E2E_SUITE): `npm run test:e2e`. */
// Spread rather than mergeConfig: merging would concatenate the base `exclude`, which excludes this suite.
export default defineConfig({
  ...base,
  test: { ...base.test, include: E2E_SUITE, exclude: ["**/node_modules/**"] },
});
