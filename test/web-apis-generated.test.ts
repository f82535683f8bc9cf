import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
// @ts-expect-error plain ESM script without types
import { GENERATED, webApisModule } from "../scripts/gen-sdk-web.mjs";

describe("the guest's bundled Web APIs are up to date (run `npm run gen:web`)", () => {
  it("web-apis.generated.ts is what guest/web/ bundles to now", async () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(await webApisModule());
  });
});
