/**
 * Class decorators: `@extension`, `@model`, `@agent`, `@agentTrail`, `@agentMemory`, and the
 * settings class marker `@settings`. They record live links in the registry; the codegen reads the
 * same options statically and is the authority on their validity.
 */
import { classRecord, memberMetadata, registry } from "./registry.js";
import type { AgentOptions, AgentTrailOptions, ExtensionOptions, ModelOptions } from "./options.js";

type AnyClass = abstract new (...args: never[]) => unknown;

function attachMembers(target: AnyClass, metadata: DecoratorMetadataObject | undefined): void {
  const members = memberMetadata(metadata);
  const record = classRecord(target);
  for (const [name, job] of members.jobs) record.jobs.set(name, job);
  for (const [name, task] of members.tasks) record.tasks.set(name, task);
  for (const [name, action] of members.actions) record.actions.set(name, action);
  for (const [name, exec] of members.actionExecutes) record.actionExecutes.set(name, exec);
}

/**
 * Declares the extension: identity, requirements and requested permissions. Exactly one class per
 * extension carries it; its `@job`, `@task`, `@action` and agent hook methods are the entry points.
 *
 * @example
 * ```ts
 * @extension({ id: "org.example.notes", name: "Notes", version: "0.1.0", description: "…",
 *   minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [Permission.writeTags()] })
 * export class Notes {}
 * ```
 * @see docs/decorators.md#extension
 */
export function extension(options: ExtensionOptions) {
  return function <T extends AnyClass>(target: T, context: ClassDecoratorContext<T>): void {
    attachMembers(target, context.metadata);
    classRecord(target).extension = options;
  };
}

/**
 * Declares a model stored in the core's `models` table, validated by the host against the JSON
 * Schema the codegen derives from the class's fields.
 *
 * @example
 * ```ts
 * @model({ version: "1.0.0", scope: "content", sync: "shared" })
 * export class Note { id!: Uuid; words!: number }
 * ```
 * @see docs/decorators.md#model
 */
export function model(options: ModelOptions) {
  return function <T extends new () => object>(target: T, context: ClassDecoratorContext<T>): void {
    const members = memberMetadata(context.metadata);
    registry.registerModel(target, {
      type: options.name ?? String(context.name),
      options,
      blobFields: new Map(members.blobFields),
    });
  };
}

/**
 * Marks the extension class as an agent: its `onNewEntry`, `onNewPhoto`, `onModelCreated`,
 * `onJobCompleted` and `onSchedule` methods are called by the host when those events happen.
 * @see docs/decorators.md#agent
 */
export function agent(options: AgentOptions = {}) {
  void options;
  return function <T extends AnyClass>(target: T, context: ClassDecoratorContext<T>): void {
    attachMembers(target, context.metadata);
    const record = classRecord(target);
    record.agent = { ...record.agent };
  };
}

/** Configures the agent's debug trail (`<library>/logs/extension/<id>/trail.jsonl`). */
export function agentTrail(options: AgentTrailOptions) {
  return function <T extends AnyClass>(target: T, _context: ClassDecoratorContext<T>): void {
    const record = classRecord(target);
    record.agent = { ...record.agent, trail: options };
  };
}

/**
 * Declares the agent's memory ("mind"): fields of type `TemporalMemory<T>`, `AssociativeMemory<T>`
 * or `WorkingMemory<T>`, each with `@sync("shared" | "device_owned")`.
 * @see docs/decorators.md#agentmemory
 */
export function agentMemory() {
  return function <T extends new () => object>(target: T, context: ClassDecoratorContext<T>): void {
    registry.registerMemory(target, new Map(memberMetadata(context.metadata).syncFields));
  };
}

/**
 * Marks a class as the extension's settings. Optional: a class with `@setting` fields that is the
 * type of a property of the extension class is recognized without it.
 */
export function settings() {
  return function <T extends new () => object>(target: T, context: ClassDecoratorContext<T>): void {
    registry.registerSettings(target, new Map(memberMetadata(context.metadata).settings));
  };
}
