/** @module @sdx/cli — the `sdx` command line; `main(argv)` returns the exit code. */
export { main } from "./main.js";
