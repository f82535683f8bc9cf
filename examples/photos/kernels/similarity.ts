// The SDK's stock similarity kernels (bestMatchIndex, cosineAt, dot over float32 embeddings).
// They ship precompiled with the SDK, so `sdx build` takes them without compiling anything; a
// kernel of the project's own next to this file is compiled together with them.
export * from "@sdx/sdk/kernels";
