import { describe, expect, it } from "vitest";
import { createConsole } from "./console.js";

describe("console without a host", () => {
  it("formats each call into one line for the sink it was given", () => {
    const lines: Array<[string, string]> = [];
    const console = createConsole((level, message) => lines.push([level, message]));
    console.log("n=%d", 2, { a: [1] });
    console.assert(true, "kept quiet");
    console.assert(0, "failed");
    console.dir("s");
    expect(lines).toEqual([["info", "n=2 { a: [ 1 ] }"], ["error", "Assertion failed: failed"], ["info", "'s'"]]);
  });
});
