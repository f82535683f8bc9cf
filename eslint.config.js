// typescript-eslint over every package. The import restrictions are the architecture's "nevers"
// (docs/architecture.md): the pipeline stays one-directional (the guest runtime never reaches Node,
// codegen emitters never see the TypeScript compiler, the guest's Web APIs in guest/web/ never reach the host
// bridge), and the host's folders are floors an import may only go
// down: host/ > agents/, actions/, jobs/, sync/ > ops/ > extensions/, core/ > store/ > errors.ts.
import js from "@eslint/js";
import tseslint from "typescript-eslint";


/** A `no-restricted-imports` rule forbidding the given host folders (relative imports) and packages. */
function never(folders, message, packages = []) {
  return {
    "no-restricted-imports": ["error", {
      patterns: [
        ...(folders.length ? [{ group: folders.flatMap((f) => [`./${f}/*`, `../${f}/*`, `../../${f}/*`, `../../../${f}/*`]), message }] : []),
        ...(packages.length ? [{ group: packages, message: "The host is the runtime: it never depends on the build toolchain (only on @sdx/bundle-format)." }] : []),
      ],
    }],
  };
}
const HOST = "packages/host/src";
const TOOLCHAIN = ["@sdx/bundle", "@sdx/codegen", "@sdx/cli", "esbuild", "ts-morph", "typescript", "assemblyscript", "assemblyscript/*"];
const hostFloor = (folder, forbidden, message) => ({
  files: [`${HOST}/${folder}`],
  ignores: [`${HOST}/**/*.test.ts`, `${HOST}/**/__tests__/**`],
  rules: never(forbidden, message, TOOLCHAIN),
});

// guest/web/ never imports the host bridge (guest/host.ts) nor anything that calls it: only web/
// itself and the sdk's types, plus packages (vitest in its tests).
const GUEST_WEB_FENCE = {
  regex: "^(\\.\\./(?!\\.\\./types/)|@sdx/)",
  message: "sdk/src/guest/web/ never imports the host bridge: import only from web/ and sdk/src/types/; guest/globals.ts passes in what needs the host.",
};

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/generated/**", "**/fixtures/**", "**/templates/**", "coverage/**", "examples/*/kernels/**", "packages/sdk/kernels/**"] },
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
  // The host's floors (tests may wire floors together; production code may not).
  hostFloor("*.ts", [], ""),
  hostFloor("errors.ts", ["store", "core", "extensions", "ops", "jobs", "actions", "agents", "sync", "host"], "errors.ts is the bottom floor: it imports nothing of the host."),
  hostFloor("store/**/*.ts", ["core", "extensions", "ops", "jobs", "actions", "agents", "sync", "host"], "store/ is the floor under everything: it imports nothing above it."),
  hostFloor("core/**/*.ts", ["extensions", "ops", "jobs", "actions", "agents", "sync", "host"], "core/ (what Spacedrive's core provides) never imports ops/ or above."),
  hostFloor("extensions/**/*.ts", ["core", "ops", "jobs", "actions", "agents", "sync", "host"], "extensions/ never imports ops/ or above."),
  hostFloor("ops/**/*.ts", ["jobs", "actions", "agents", "sync", "host"], "ops/ never imports jobs/, actions/, agents/, sync/ or host/: they sit above it."),
  hostFloor("jobs/**/*.ts", ["actions", "agents", "sync", "host"], "jobs/ never imports actions/, agents/, sync/ or host/."),
  hostFloor("actions/**/*.ts", ["jobs", "agents", "sync", "host"], "actions/ never imports jobs/, agents/, sync/ or host/."),
  hostFloor("agents/**/*.ts", ["sync", "host"], "agents/ never imports sync/ or host/: the Host wires the agents, not the other way round."),
  hostFloor("sync/**/*.ts", ["jobs", "actions", "agents", "host"], "sync/ (devices, replication, the peer server) never imports jobs/, actions/, agents/ or host/: the Host wires it to them through interfaces."),
  {
    files: ["packages/sandbox/src/**/*.ts"],
    ignores: ["packages/sandbox/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@sdx/host", "@sdx/host/*", "@sdx/bundle", "@sdx/bundle-format", "@sdx/codegen", "@sdx/cli", "better-sqlite3", "onnxruntime-node", "sharp"], message: "@sdx/sandbox knows the protocol and QuickJS only." }] }],
    },
  },
  {
    files: ["packages/bundle-format/src/**/*.ts"],
    ignores: ["packages/bundle-format/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@sdx/bundle", "@sdx/codegen", "@sdx/host", "@sdx/cli", "esbuild", "ts-morph", "assemblyscript"], message: "@sdx/bundle-format reads and writes bundles without build tools or a host." }] }],
    },
  },
  {
    files: ["packages/cli/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["@sdx/host/*", "**/host/src/**", "**/host/dist/**"], message: "The CLI uses @sdx/host's public index only." },
        { group: ["better-sqlite3"], message: "The CLI runs no SQL: ask the host." },
      ] }],
    },
  },
  {
    // The harness sits above the host: its public index only, no SQL (it reads through the host).
    files: ["packages/testing/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["@sdx/host/*", "**/host/src/**", "**/host/dist/**", "@sdx/sandbox", "@sdx/sandbox/*"], message: "@sdx/testing uses @sdx/host's public index only." },
        { group: ["better-sqlite3"], message: "@sdx/testing runs no SQL: read through @sdx/host (listModels, listTags, readMemory, readAudit)." },
      ] }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", performance: "readonly", Buffer: "readonly", setTimeout: "readonly" } },
  },
  {
    // The UI preview's page runs in a browser (packages/cli/src/ui-preview serves it).
    files: ["packages/cli/ui-preview-app/**/*.js"],
    languageOptions: { globals: { document: "readonly", location: "readonly", history: "readonly", fetch: "readonly", EventSource: "readonly", URLSearchParams: "readonly" } },
  },
);
