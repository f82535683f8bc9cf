/**
 * @module @sdx/sdk/wire
 * The light half of the protocol, for code that moves messages without validating them (a sandbox
 * worker, tools): the codec, the wire shapes and errors as data. No zod and no op table here: the
 * op table (`@sdx/sdk/protocol`) builds zod schemas at load, which costs a worker ~0.3 s to start.
 */
export { PROTOCOL_VERSION, encodeMessage, decodeMessage } from "./protocol/codec.js";
export type { BinaryTypeName, WireMessage } from "./protocol/codec.js";
export { errorClassOf, sdxError, wireError, failure, toWireError } from "./protocol/errors.js";
export type { WireError, WireResult } from "./protocol/errors.js";
export type { Invocation, InvocationContextBase, JobInvocationContext, TaskInvocationContext, HostBindings, GuestExports } from "./protocol.js";
