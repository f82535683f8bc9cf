// typescript-eslint over every package. The import restriction keeps the pipeline one-directional:
// the guest runtime never reaches Node, its Web APIs (guest/web/) never reach the host bridge, and
// codegen emitters never see ts-morph (STYLE.md, ARCHITECTURE.md).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// guest/web/ never imports the host bridge (guest/host.ts) nor anything that calls it: only web/
// itself and the sdk's types, plus packages (vitest in its tests).
const GUEST_WEB_FENCE = {
  regex: "^(\\.\\./(?!\\.\\./types/)|@sdx/)",
  message: "sdk/src/guest/web/ never imports the host bridge: import only from web/ and sdk/src/types/; guest/globals.ts passes in what needs the host.",
};

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/generated/**", "**/fixtures/**", "**/templates/**", "coverage/**", "examples/*/kernels/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["packages/sdk/src/**/*.ts"],
    ignores: ["packages/sdk/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["node:*", "fs", "path", "os", "child_process"], message: "The SDK runs inside the sandbox: no Node built-ins." }] }],
    },
  },
  {
    // guest/web/ is the Web APIs alone: what needs the host is passed in by guest/globals.ts.
    files: ["packages/sdk/src/guest/web/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["node:*", "fs", "path", "os", "child_process"], message: "The SDK runs inside the sandbox: no Node built-ins." },
        GUEST_WEB_FENCE,
      ] }],
    },
  },
  {
    files: ["packages/sdk/src/guest/web/**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [GUEST_WEB_FENCE] }] },
  },
  {
    files: ["packages/codegen/src/emit/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["ts-morph", "typescript"], message: "Emitters work on the IR only." }] }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", performance: "readonly", Buffer: "readonly" } },
  },
);
