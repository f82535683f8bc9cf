/**
 * The runtime record of decorated things, filled when the author's module is evaluated.
 *
 * Static facts (names, options, types) come from the codegen's type checker and the manifest;
 * this registry only links them to live values: which function object is which task, which class
 * is which model. Field decorators write into the standard `context.metadata` object, which the
 * class decorator then reads; that is why sdx needs no `reflect-metadata` (see docs/decorators.md).
 */
import type { ExtensionOptions, ModelOptions, BlobDataOptions, SettingOptions, JobOptions, TaskOptions, ActionOptions, AgentTrailOptions, SyncStrategy } from "./options.js";

export interface MethodRecord<O> {
  readonly name: string;
  readonly options: O;
}

export interface ModelRecord {
  readonly type: string;
  readonly options: ModelOptions;
  readonly blobFields: ReadonlyMap<string, BlobDataOptions>;
}

export interface ClassRecord {
  extension?: ExtensionOptions;
  agent?: { trail?: AgentTrailOptions };
  jobs: Map<string, MethodRecord<JobOptions>>;
  tasks: Map<string, MethodRecord<TaskOptions>>;
  actions: Map<string, MethodRecord<ActionOptions>>;
  actionExecutes: Map<string, MethodRecord<Record<string, never>>>;
}

/** Keys written into `context.metadata` by member decorators. */
export const METADATA_KEY: unique symbol = Symbol.for("sdx.metadata");

export interface MemberMetadata {
  blobFields: Map<string, BlobDataOptions>;
  settings: Map<string, SettingOptions>;
  syncFields: Map<string, SyncStrategy>;
  jobs: Map<string, MethodRecord<JobOptions>>;
  tasks: Map<string, MethodRecord<TaskOptions>>;
  actions: Map<string, MethodRecord<ActionOptions>>;
  actionExecutes: Map<string, MethodRecord<Record<string, never>>>;
}

type AnyClass = abstract new (...args: never[]) => unknown;
type AnyFunction = (...args: never[]) => unknown;

const models = new Map<AnyClass, ModelRecord>();
const modelsByType = new Map<string, AnyClass>();
const classes = new Map<AnyClass, ClassRecord>();
const settingsClasses = new Map<AnyClass, ReadonlyMap<string, SettingOptions>>();
const memoryClasses = new Map<AnyClass, ReadonlyMap<string, SyncStrategy>>();
const tasksByFunction = new Map<AnyFunction, MethodRecord<TaskOptions>>();
const jobsByFunction = new Map<AnyFunction, MethodRecord<JobOptions>>();

/** Reads (creating if needed) the sdx part of a decorator's `context.metadata`. */
export function memberMetadata(metadata: DecoratorMetadataObject | undefined): MemberMetadata {
  if (!metadata) {
    throw new Error("sdx decorators need decorator metadata (TC39 decorators, TypeScript ≥ 5.2, esbuild ≥ 0.21)");
  }
  const bag = metadata as Record<symbol, MemberMetadata | undefined>;
  // A subclass's metadata object inherits from its parent's: copy-on-write so siblings don't share.
  if (!Object.prototype.hasOwnProperty.call(bag, METADATA_KEY)) {
    const inherited = bag[METADATA_KEY];
    bag[METADATA_KEY] = {
      blobFields: new Map(inherited?.blobFields),
      settings: new Map(inherited?.settings),
      syncFields: new Map(inherited?.syncFields),
      jobs: new Map(inherited?.jobs),
      tasks: new Map(inherited?.tasks),
      actions: new Map(inherited?.actions),
      actionExecutes: new Map(inherited?.actionExecutes),
    };
  }
  return bag[METADATA_KEY]!;
}

export function classRecord(target: AnyClass): ClassRecord {
  let record = classes.get(target);
  if (!record) {
    record = { jobs: new Map(), tasks: new Map(), actions: new Map(), actionExecutes: new Map() };
    classes.set(target, record);
  }
  return record;
}

export const registry = {
  registerModel(target: AnyClass, record: ModelRecord): void {
    models.set(target, record);
    modelsByType.set(record.type, target);
  },
  registerTaskFunction(fn: AnyFunction, record: MethodRecord<TaskOptions>): void {
    tasksByFunction.set(fn, record);
  },
  registerJobFunction(fn: AnyFunction, record: MethodRecord<JobOptions>): void {
    jobsByFunction.set(fn, record);
  },
  registerSettings(target: AnyClass, fields: ReadonlyMap<string, SettingOptions>): void {
    settingsClasses.set(target, fields);
  },
  registerMemory(target: AnyClass, fields: ReadonlyMap<string, SyncStrategy>): void {
    memoryClasses.set(target, fields);
  },
  model(target: AnyClass): ModelRecord | undefined {
    return models.get(target);
  },
  modelByType(type: string): AnyClass | undefined {
    return modelsByType.get(type);
  },
  taskOf(fn: AnyFunction): MethodRecord<TaskOptions> | undefined {
    return tasksByFunction.get(fn);
  },
  jobOf(fn: AnyFunction): MethodRecord<JobOptions> | undefined {
    return jobsByFunction.get(fn);
  },
  classOf(target: AnyClass): ClassRecord | undefined {
    return classes.get(target);
  },
  extensions(): Array<[AnyClass, ClassRecord]> {
    return [...classes.entries()].filter(([, r]) => r.extension !== undefined);
  },
  settings(target: AnyClass): ReadonlyMap<string, SettingOptions> | undefined {
    return settingsClasses.get(target);
  },
  memories(): Array<[AnyClass, ReadonlyMap<string, SyncStrategy>]> {
    return [...memoryClasses.entries()];
  },
};
