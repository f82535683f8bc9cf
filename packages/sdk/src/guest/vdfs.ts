/**
 * `ctx.vdfs()`: entries, models, tags, collections, sidecars and custom metadata over host ops.
 * During an action preview a `ChangePlanner` is given: mutations are then recorded as
 * `ActionChange`s instead of reaching the host, and resolve with placeholder results, so that a
 * preview runs the same code as execute without side effects.
 */
import type { BlobAccessors, ModelClass, Vdfs } from "../types/context.js";
import type { ActionChange, Collection, CollectionItemRef, Entry, EntryData, JsonValue, ModelScopeRef, SdPath, TagTarget } from "../types/data.js";
import type { WireModel } from "../protocol.js";
import { NotFound, SdxError } from "../errors.js";
import { EntryQueryImpl, GuestEntry } from "./entries.js";
import { callHost, callHostEncoded, callHostSync } from "./host.js";
import { ModelQueryImpl, type ModelCatalog } from "./models.js";
import { trackMethods } from "./floating.js";

/** Collects the changes of an action preview. */
export class ChangePlanner {
  readonly changes: ActionChange[] = [];
  #next = 0;
  record(change: ActionChange): void {
    this.changes.push(change);
  }
  /** A UUID-shaped id for something that will only exist after execute. */
  placeholderId(): string {
    return `00000000-0000-4000-8000-${(++this.#next).toString(16).padStart(12, "0")}`;
  }
}

const NO_BUFFERS: ArrayBuffer[] = [];

function notInPreview(operation: string): SdxError {
  return new SdxError("SDX3015", `${operation} is not allowed during an action preview (it has no planned-change form); do it in the execute step`);
}

export class VdfsImpl implements Vdfs {
  readonly #catalog: ModelCatalog;
  readonly #planner: ChangePlanner | undefined;

  readonly #device: string;

  constructor(catalog: ModelCatalog, planner?: ChangePlanner, device = "") {
    this.#catalog = catalog;
    this.#planner = planner;
    this.#device = device;
  }

  /** A plain path means this device. */
  #sdPath(path: SdPath | string, device = this.#device): SdPath {
    return typeof path === "string" ? { device, path } : { device: path.device, path: path.path };
  }

  queryEntries() {
    return new EntryQueryImpl();
  }
  async getEntry(entryUuid: string): Promise<Entry | null> {
    try {
      const { entry } = await callHost("entries.get", { entryUuid });
      return entry ? new GuestEntry(entry) : null;
    } catch (error) {
      // A missing entry is an answer, not a failure; a denied one still throws PermissionDenied.
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  /** Not `async`, one promise layer: a job that creates a model per file calls this thousands of times. */
  #create(scope: ModelScopeRef, model: object): Promise<string> {
    const catalog = this.#catalog;
    const attach = (uuid: string): string => {
      (model as { id?: string }).id = uuid;
      catalog.rememberScope(model, scope);
      return uuid;
    };
    try {
      const modelType = catalog.typeOfInstance(model);
      const { data, blobs } = catalog.split(modelType, model);
      if (this.#planner) {
        this.#planner.record({ type: "create_model", modelType, scope, data: data as JsonValue });
        return Promise.resolve(attach(this.#planner.placeholderId()));
      }
      const json = catalog.createRequestJson(modelType, scope, data, blobs);
      if (json !== null) return callHostEncoded("models.create", json, NO_BUFFERS, ({ uuid }) => attach(uuid));
      return callHost("models.create", { modelType, scope, data, blobs }, ({ uuid }) => attach(uuid));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  createModelForContent<T extends object>(contentUuid: string, model: T) {
    return this.#create({ content: contentUuid }, model);
  }
  createModelForEntry<T extends object>(entryUuid: string, model: T) {
    return this.#create({ entry: entryUuid }, model);
  }
  createModel<T extends object>(model: T) {
    return this.#create({ standalone: true }, model);
  }

  #get<T extends object>(cls: ModelClass<T>, by: "uuid" | "content" | "entry", value: string): Promise<T | null> {
    let modelType: string;
    try {
      modelType = this.#catalog.typeOf(cls);
    } catch (error) {
      return Promise.reject(error);
    }
    const catalog = this.#catalog;
    const rebuild = ({ model }: { model: WireModel | null }) => (model ? catalog.rebuild(cls, model) : null);
    // The hottest call: its JSON is a cached prefix and the one string, the same text encodeMessage
    // gives (a generic walk and a whole JSON.stringify cost QuickJS several µs per call).
    if (typeof value === "string") return callHostEncoded("models.get", catalog.getRequestPrefix(modelType, by) + JSON.stringify(value) + "}}", NO_BUFFERS, rebuild);
    return callHost("models.get", { modelType, by: { [by]: value } as unknown as { uuid: string } }, rebuild);
  }
  getModelByContent<T extends object>(cls: ModelClass<T>, contentUuid: string) {
    return this.#get(cls, "content", contentUuid);
  }
  getModelByEntry<T extends object>(cls: ModelClass<T>, entryUuid: string) {
    return this.#get(cls, "entry", entryUuid);
  }
  getModel<T extends object>(cls: ModelClass<T>, modelUuid: string) {
    return this.#get(cls, "uuid", modelUuid);
  }
  queryModels<T extends object>(cls: ModelClass<T>) {
    return new ModelQueryImpl<T>(this.#catalog, cls);
  }

  async loadBlob<T extends object, K extends keyof T & string>(model: T, field: K): Promise<T[K]> {
    const type = this.#catalog.typeOfInstance(model);
    if (!this.#catalog.blobFields(type).includes(field)) throw new TypeError(`${type}.${field} is not a @blobData field`);
    const id = modelId(model, "loadBlob");
    const { value } = await callHost("models.loadBlob", { modelUuid: id, field });
    (model as Record<string, unknown>)[field] = value;
    return value as T[K];
  }
  blobs<T extends object>(model: T): BlobAccessors<T> {
    const type = this.#catalog.typeOfInstance(model);
    const fields = this.#catalog.blobFields(type);
    const accessors: Record<string, () => Promise<unknown>> = {};
    for (const field of fields) {
      // Loaded already (an eager field, or a lazy one loaded before): no host call.
      accessors[field] = async () => {
        const present = (model as Record<string, unknown>)[field];
        return present !== undefined ? present : this.loadBlob(model, field as keyof T & string);
      };
    }
    // The types offer a loader for every optional field (decorators are invisible to them): asked
    // for a field of the model that is not a blob, say so instead of "is not a function".
    return new Proxy(accessors, {
      get(target, property) {
        if (typeof property !== "string" || Object.prototype.hasOwnProperty.call(target, property) || !(property in model)) return target[property as string];
        throw new TypeError(`${type}.${property} is not a @blobData field, so vdfs().blobs(…) has no loader for it (${fields.length > 0 ? `its @blobData fields: ${fields.join(", ")}` : "it has no @blobData field"}); read it from the model`);
      },
    }) as unknown as BlobAccessors<T>;
  }
  scopeOf(model: object): ModelScopeRef | null {
    return this.#catalog.scopeOf(model);
  }
  async updateModel<T extends object>(model: T): Promise<void> {
    if (this.#planner) throw notInPreview("updateModel");
    const modelType = this.#catalog.typeOfInstance(model);
    const { data, blobs } = this.#catalog.split(modelType, model);
    await callHost("models.update", { modelType, uuid: modelId(model, "updateModel"), data, blobs });
  }
  async deleteModel<T extends object>(cls: ModelClass<T>, modelUuid: string): Promise<void> {
    const modelType = this.#catalog.typeOf(cls);
    if (this.#planner) return this.#planner.record({ type: "delete_model", modelType, uuid: modelUuid });
    await callHost("models.delete", { modelType, uuid: modelUuid });
  }

  addTagToContent(contentUuid: string, tag: string) {
    return this.addTag({ content: contentUuid }, tag);
  }
  addTagToEntry(entryUuid: string, tag: string) {
    return this.addTag({ entry: entryUuid }, tag);
  }
  addTagToModel(modelUuid: string, tag: string) {
    return this.addTag({ model: modelUuid }, tag);
  }
  async addTag(target: TagTarget, tag: string): Promise<void> {
    if (this.#planner) return this.#planner.record({ type: "add_tag", target, tag });
    await callHost("tags.add", { target, tag });
  }
  async removeTag(target: TagTarget, tag: string): Promise<void> {
    if (this.#planner) return this.#planner.record({ type: "remove_tag", target, tag });
    await callHost("tags.remove", { target, tag });
  }
  async tagsOf(target: TagTarget): Promise<string[]> {
    return (await callHost("tags.list", { target })).tags;
  }

  async createCollection(name: string, items: CollectionItemRef[] = []): Promise<string> {
    if (this.#planner) {
      this.#planner.record({ type: "create_collection", name, items });
      return this.#planner.placeholderId();
    }
    return (await callHost("collections.create", { name, items })).uuid;
  }
  async addToCollection(collectionUuid: string, items: CollectionItemRef[]): Promise<void> {
    if (this.#planner) return this.#planner.record({ type: "add_to_collection", collection: collectionUuid, items });
    await callHost("collections.add", { collection: collectionUuid, items });
  }
  async getCollection(collectionUuid: string): Promise<Collection | null> {
    return (await callHost("collections.get", { collection: collectionUuid })).collection;
  }

  async readSidecar<T = JsonValue>(contentUuid: string, kind: string): Promise<T | null> {
    const { data } = await callHost("sidecars.read", { contentUuid, kind });
    return (data ?? null) as T | null;
  }
  async writeSidecar(contentUuid: string, kind: string, data: JsonValue): Promise<void> {
    if (this.#planner) throw notInPreview("writeSidecar");
    await callHost("sidecars.write", { contentUuid, kind, data });
  }
  async setCustomMetadata(target: { content: string } | { entry: string }, data: JsonValue): Promise<void> {
    if (this.#planner) throw notInPreview("setCustomMetadata");
    await callHost("metadata.setCustom", { target, data });
  }

  async moveEntry(entry: EntryData, to: SdPath | string): Promise<void> {
    const from = { device: entry.path.device, path: entry.path.path };
    const destination = this.#sdPath(to, entry.path.device);
    if (this.#planner) return this.#planner.record({ type: "move_file", entry: entry.uuid, from, to: destination });
    await callHost("files.move", { entryUuid: entry.uuid, from, to: destination });
  }
  renameEntry(entry: EntryData, name: string): Promise<void> {
    if (name === "" || name.includes("/")) throw new TypeError(`renameEntry: "${name}" is not a file name (use moveEntry to change folders)`);
    const dir = entry.path.path.slice(0, entry.path.path.lastIndexOf("/"));
    return this.moveEntry(entry, { device: entry.path.device, path: `${dir}/${name}` });
  }
  async createDirectory(path: SdPath | string): Promise<void> {
    const target = this.#sdPath(path);
    if (this.#planner) return this.#planner.record({ type: "create_directory", path: target });
    await callHost("files.mkdir", { path: target });
  }
  async writeFile(path: SdPath | string, data: Uint8Array | string): Promise<void> {
    const target = this.#sdPath(path);
    const bytes = (typeof data === "string" ? callHostSync("text.encode", { text: data }).bytes : data) as Uint8Array<ArrayBuffer>;
    if (this.#planner) {
      // The preview shows size and hash; execute must write exactly these bytes.
      return this.#planner.record({ type: "write_file", path: target, size: bytes.byteLength, sha256: callHostSync("crypto.sha256", { bytes }).hex });
    }
    await callHost("files.write", { path: target, bytes });
  }
}

function modelId(model: object, operation: string): string {
  const id = (model as { id?: unknown }).id;
  if (typeof id !== "string" || id === "") {
    throw new TypeError(`${operation}: the model has no id; create it first (createModel…) or load it with getModel…`);
  }
  return id;
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(VdfsImpl, "vdfs");
