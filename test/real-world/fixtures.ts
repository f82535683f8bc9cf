/** Where the shared real-world fixtures live: `../shared/fixtures` beside the repository. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures", import.meta.url));

if (!existsSync(FIXTURES)) {
  throw new Error(`real-world fixtures not found at ${FIXTURES}; the suite needs ../shared/fixtures beside the repository`);
}
