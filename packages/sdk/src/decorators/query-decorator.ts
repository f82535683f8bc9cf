/**
 * `@query()`: a named query the UI, `sdx query` and `ctx.query(name, params)` can run. The method
 * takes a `Query` and the query's parameters and returns a selection built from it; the codegen
 * reads that chain at build time and the host compiles it to SQL scoped to the grants, so the
 * method itself never runs in the host.
 */
import type { Query, QuerySelection } from "../query/builder.js";
import type { QueryOptions } from "./options.js";

/**
 * A named query over the extension's models or the entries it may read.
 *
 * @param options `label`: how UIs name it.
 * @example
 * ```ts
 * @query({ label: "People" })
 * people(q: Query) {
 *   return q.models(Person).where("photoCount", ">", 0).orderBy("photoCount", "desc").show({ title: "name" });
 * }
 * ```
 * @see docs/queries.md
 */
export function query(options: QueryOptions = {}) {
  return function <This, A extends unknown[]>(
    method: (this: This, q: Query, ...params: A) => QuerySelection,
    context: ClassMethodDecoratorContext<This, (this: This, q: Query, ...params: A) => QuerySelection>,
  ): void {
    void method;
    void context;
    void options;
  };
}
