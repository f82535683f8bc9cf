import { describe, expect, it } from "vitest";
import picomatch from "picomatch";
import { PERMISSION_GLOB_OPTIONS } from "@sdx/sdk/manifest";
import { caseVariants, globProblem } from "./glob.js";

describe("globProblem", () => {
  it.each(["**/*.txt", "**/*.{jpg,png,heic}", "photos/[a-c]*.jpg", "docs/**", "a\\{b.txt", "[]]x", "*.+(md|txt)"])("accepts %s", (glob) => {
    expect(globProblem(glob)).toBeNull();
  });

  it.each([
    ["", "the glob is empty"],
    ["   ", "the glob is empty"],
    ["**/*.{jpg,png", 'unclosed "{" at position 6'],
    ["a}b", 'unbalanced "}" at position 2'],
    ["x[ab", 'unclosed "[" at position 2'],
    ["a]b", 'unbalanced "]" at position 2'],
    ["+(a|b", 'unclosed "(" at position 2'],
    ["{a)", 'unbalanced ")" at position 3'],
    ["!**/*.tmp", "negated globs cannot be granted (a permission names what the extension reads)"],
  ])("rejects %j", (glob, problem) => {
    expect(globProblem(glob)).toBe(problem);
  });
});

describe("case", () => {
  it("matches the spec's glob against camera file names in any case, with the options the host uses", () => {
    const match = picomatch("**/*.{jpg,png,heic}", PERMISSION_GLOB_OPTIONS);
    expect(["DCIM/IMG_0001.JPG", "a/b.Png", "c.heic", "IMG_5195.HEIC"].map((p) => match(p))).toEqual([true, true, true, true]);
    expect(["a/b.jpeg", "notes.txt", "x.jpg.txt"].map((p) => match(p))).toEqual([false, false, false]);
  });

  it("names brace alternatives that differ only in case", () => {
    expect(caseVariants("**/*.{jpg,jpeg,JPG,Jpeg}")).toEqual(["JPG", "Jpeg"]);
    expect(caseVariants("**/*.{jpg,png,heic}")).toEqual([]);
    expect(caseVariants("{a,b}/*.{txt,TXT}")).toEqual(["TXT"]);
  });
});
