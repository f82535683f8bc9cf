/**
 * Member decorators: `@job`, `@task`, `@action`, `@actionExecute` on methods; `@setting`,
 * `@blobData`, `@sync` on fields. Signatures are typed so a job whose first parameter is not a
 * `JobContext` (or a task not returning a Promise) does not compile.
 */
import { memberMetadata, registry } from "./registry.js";
import type { ActionOptions, BlobDataOptions, JobOptions, SettingOptions, SyncStrategy, TaskOptions } from "./options.js";
import type { ActionContext, JobContext, TaskContext } from "../types/context.js";
import type { ActionPreview } from "../types/data.js";

/**
 * A durable unit of work. Started by the user (`sdx run`), an event or a schedule; runs its tasks
 * with `ctx.run`, up to `parallelism` at once; checkpoints at task boundaries.
 *
 * @example
 * ```ts
 * @job({ parallelism: 2, trigger: "user_initiated" })
 * async countAll(ctx: JobContext, location: SdPath): Promise<void> { … }
 * ```
 * @see docs/decorators.md#job
 */
export function job(options: JobOptions = {}) {
  return function <This, A extends unknown[], R>(
    method: (this: This, ctx: JobContext, ...args: A) => Promise<R>,
    context: ClassMethodDecoratorContext<This, (this: This, ctx: JobContext, ...args: A) => Promise<R>>,
  ): void {
    const record = { name: String(context.name), options };
    memberMetadata(context.metadata).jobs.set(record.name, record);
    registry.registerJobFunction(method as never, record);
  };
}

/**
 * A retryable step of a job with a deadline, called through `ctx.run(this.task, …args)`.
 *
 * @example
 * ```ts
 * @task({ retries: 2, timeoutMs: 5000 })
 * async countWords(ctx: TaskContext, entry: Entry): Promise<number> { … }
 * ```
 * @see docs/decorators.md#task
 */
export function task(options: TaskOptions = {}) {
  return function <This, A extends unknown[], R>(
    method: (this: This, ctx: TaskContext, ...args: A) => Promise<R>,
    context: ClassMethodDecoratorContext<This, (this: This, ctx: TaskContext, ...args: A) => Promise<R>>,
  ): void {
    const record = { name: String(context.name), options };
    memberMetadata(context.metadata).tasks.set(record.name, record);
    registry.registerTaskFunction(method as never, record);
  };
}

/**
 * A user-invoked operation: this method computes a preview without side effects; the method named
 * `<name>Execute` (decorated with `@actionExecute`) applies it.
 * @see docs/decorators.md#action
 */
export function action(options: ActionOptions = {}) {
  return function <This, A extends unknown[]>(
    method: (this: This, ctx: ActionContext, ...args: A) => Promise<ActionPreview>,
    context: ClassMethodDecoratorContext<This, (this: This, ctx: ActionContext, ...args: A) => Promise<ActionPreview>>,
  ): void {
    void method;
    const record = { name: String(context.name), options };
    memberMetadata(context.metadata).actions.set(record.name, record);
  };
}

/** The execute step of the action `<name>` (this method must be named `<name>Execute`). */
export function actionExecute() {
  return function <This>(
    method: (this: This, ctx: ActionContext, preview: ActionPreview) => Promise<void>,
    context: ClassMethodDecoratorContext<This, (this: This, ctx: ActionContext, preview: ActionPreview) => Promise<void>>,
  ): void {
    void method;
    const record = { name: String(context.name), options: {} as Record<string, never> };
    memberMetadata(context.metadata).actionExecutes.set(record.name, record);
  };
}

/**
 * A user-configurable setting; the codegen turns the fields into the settings schema and UI pane.
 * @example `@setting({ label: "Enable Face Recognition", default: true }) faceRecognition!: boolean;`
 */
export function setting(options: SettingOptions) {
  return function <This, V>(_value: undefined, context: ClassFieldDecoratorContext<This, V>): void {
    memberMetadata(context.metadata).settings.set(String(context.name), options);
  };
}

/**
 * Stores a model field in `metadata_blobs` (content-addressed, deduplicated, zstd-compressed)
 * instead of inline JSON, so queries stay fast.
 * @example `@blobData({ compression: "zstd", lazy: true }) embeddings?: number[][];`
 */
export function blobData(options: BlobDataOptions = {}) {
  return function <This, V>(_value: undefined, context: ClassFieldDecoratorContext<This, V>): void {
    memberMetadata(context.metadata).blobFields.set(String(context.name), options);
  };
}

/** Per-field sync strategy of an `@agentMemory` field. */
export function sync(strategy: SyncStrategy) {
  return function <This, V>(_value: undefined, context: ClassFieldDecoratorContext<This, V>): void {
    memberMetadata(context.metadata).syncFields.set(String(context.name), strategy);
  };
}
