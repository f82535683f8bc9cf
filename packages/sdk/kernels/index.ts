// The SDK's stock kernels (AssemblyScript). A project uses them with one file in kernels/:
//   export * from "@sdx/sdk/kernels";
// `sdx build` then takes kernels.wasm, compiled from these sources when the SDK was built
// (npm run gen:kernels), instead of compiling. With kernels of its own next to that file the
// project compiles everything together, these sources included.
export * from "./vectors";
