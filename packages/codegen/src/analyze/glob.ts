/**
 * Validates a permission glob (`readEntries`, `writeFiles`). picomatch accepts almost any string
 * (an unclosed `{` is matched literally), which would silently grant nothing: unbalanced braces,
 * brackets and extglob parentheses are rejected here before picomatch compiles the pattern, with
 * the options the host matches with (`PERMISSION_GLOB_OPTIONS`: case-insensitive).
 */
import picomatch from "picomatch";
import { PERMISSION_GLOB_OPTIONS } from "@sdx/sdk/manifest";

export function globProblem(glob: string): string | null {
  if (glob.trim() === "") return "the glob is empty";
  const open: Array<{ char: string; at: number }> = [];
  let bracketAt = -1;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (bracketAt >= 0) {
      // `]` right after `[`, `[!` or `[^` is a literal member of the class.
      const first = i === bracketAt + 1 || (i === bracketAt + 2 && (glob[bracketAt + 1] === "!" || glob[bracketAt + 1] === "^"));
      if (c === "]" && !first) bracketAt = -1;
      continue;
    }
    if (c === "[") bracketAt = i;
    else if (c === "{" || c === "(") open.push({ char: c, at: i });
    else if (c === "}" || c === ")") {
      const want = c === "}" ? "{" : "(";
      const last = open.pop();
      if (!last || last.char !== want) return `unbalanced "${c}" at position ${i + 1}`;
    } else if (c === "]") return `unbalanced "]" at position ${i + 1}`;
  }
  if (bracketAt >= 0) return `unclosed "[" at position ${bracketAt + 1}`;
  const last = open.pop();
  if (last) return `unclosed "${last.char}" at position ${last.at + 1}`;
  try {
    const scan = picomatch.scan(glob);
    if (scan.negated) return "negated globs cannot be granted (a permission names what the extension reads)";
    picomatch.makeRe(glob, PERMISSION_GLOB_OPTIONS);
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

/**
 * Brace alternatives that differ only in case (`{jpg,JPG}`): redundant, since globs match without
 * regard to case. Returns the repeated alternatives (`["JPG"]`), empty when there are none.
 */
export function caseVariants(glob: string): string[] {
  const repeated: string[] = [];
  for (const group of glob.matchAll(/\{([^{}]*)\}/g)) {
    const seen = new Set<string>();
    for (const alternative of group[1]!.split(",")) {
      const folded = alternative.toLowerCase();
      if (seen.has(folded)) repeated.push(alternative);
      seen.add(folded);
    }
  }
  return repeated;
}
