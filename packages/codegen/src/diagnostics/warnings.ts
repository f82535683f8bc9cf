/**
 * Warnings the codegen can report, by stable kebab-case id (errors use SDX codes instead, so they
 * cannot be silenced). Each id has a hint, like the codes table.
 */
export const WARNINGS = {
  "lazy-blob-not-optional": {
    hint: "A lazy @blobData field is `undefined` until `vdfs().loadBlob(model, field)` loads it: declare it optional (`field?: T`).",
  },
  "unvalidated-type": {
    hint: "`any` and `unknown` values are stored without validation; give the value a concrete type so the host can check it.",
  },
  "hook-without-agent": {
    hint: "Agent hooks run only on a class decorated with @agent(); add it or rename the method.",
  },
  "decorator-not-from-sdx": {
    hint: "This decorator does not come from \"@sdx/sdk\" and is ignored by sdx.",
  },
  "unused-permission": {
    hint: "The user is asked to grant every permission an extension requests: remove the ones its code does not need. (Code the build cannot follow, such as a function stored in a variable and called later, is not seen.)",
  },
  "floating-promise": {
    hint: "Await the call (or handle it with .catch). A failing un-awaited SDK call fails the invocation at its end (SDX3040); a failing un-awaited call of your own async function is lost. Prefix it with `void` to say it may run on its own.",
  },
  "glob-case-variants": {
    hint: "Permission globs match without regard to case (`*.jpg` matches `IMG_0001.JPG`): list each extension once, in lower case.",
  },
} as const;

export type WarningId = keyof typeof WARNINGS;
