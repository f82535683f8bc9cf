#!/usr/bin/env node
// Precompiles the SDK's stock kernels (packages/sdk/kernels/*.ts, AssemblyScript) into
//   packages/sdk/kernels/kernels.wasm  ← what a project with `export * from "@sdx/sdk/kernels"` compiles to
//   packages/sdk/kernels/kernels.json  ← compiler version, flags and sources it came from
// so authors' builds take the module instead of compiling it. `npm test` checks both are up to date
// (packages/bundle/test/stock-kernels.test.ts); run `npm run gen:kernels` after changing the sources.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileStockKernels } from "../packages/bundle/dist/build/kernels.js";

const dir = (p) => fileURLToPath(new URL(`../packages/sdk/kernels/${p}`, import.meta.url));
const { wasm, stamp } = await compileStockKernels();
writeFileSync(dir("kernels.wasm"), wasm);
writeFileSync(dir("kernels.json"), `${JSON.stringify(stamp, null, 2)}\n`);
console.log(`wrote packages/sdk/kernels/kernels.wasm (${wasm.length} bytes) and kernels.json`);
