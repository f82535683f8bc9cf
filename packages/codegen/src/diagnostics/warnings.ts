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
  "glob-case-variants": {
    hint: "Permission globs match without regard to case (`*.jpg` matches `IMG_0001.JPG`): list each extension once, in lower case.",
  },
} as const;

export type WarningId = keyof typeof WARNINGS;
