/**
 * Finds the Chromium the browser tests drive with playwright-core: $SDX_CHROMIUM, else Debian's
 * `chromium` package (scripts/install-chromium.sh installs it; .ci/run exports its path as
 * SDX_CHROMIUM). With SDX_CHROMIUM or CI set, a missing browser is an error; on a developer
 * machine without it the browser tests are skipped with a loud line saying how to install it.
 */
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

export function findChromium(): string | null {
  const configured = process.env.SDX_CHROMIUM;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`SDX_CHROMIUM=${configured} does not exist`);
    return configured;
  }
  const found = CANDIDATES.find((path) => existsSync(path)) ?? null;
  if (!found && process.env.CI) throw new Error("no Chromium for the browser tests: run scripts/install-chromium.sh (apt-get install chromium) before npm test");
  if (!found) process.stderr.write("\nSKIPPED: browser tests (no Chromium; run scripts/install-chromium.sh or set SDX_CHROMIUM)\n\n");
  return found;
}
