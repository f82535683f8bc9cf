// typescript-eslint over every package. The import restriction keeps the pipeline one-directional:
// the guest runtime never reaches Node, and codegen emitters never see ts-morph (STYLE.md).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
