import { describe, expect, it } from "vitest";
import { globProblem } from "./glob.js";

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
