/**
 * @module @sdx/sdk/query
 *
 * Named queries as data, for the codegen, the bundle's ui_manifest check and the host: the spec's
 * zod schema, its check against a manifest and the filter language's parser. Authors write
 * `@query()` methods with the builder from `@sdx/sdk` instead.
 * @see docs/queries.md
 */
export * from "./spec.js";
export { checkQuery, resolveField, inlineFieldsOf, readableSidecarKinds, type QueryProblem, type ResolvedField } from "./check.js";
export { parseFilter, type FilterError, type FilterParse } from "./filter-language.js";
