/**
 * What merging a batch needs besides the records: the library, the blob bytes that came with the
 * batch, and the checks against what is installed here (cached per batch). A check that fails
 * throws `refused`, which rolls the whole batch back.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import { sdxError, SdxError } from "../errors.js";
import { getInstalled } from "../extensions/install.js";
import { ModelValidators } from "../extensions/validators.js";
import type { Library } from "../store/library.js";
import { registeredModelType } from "../store/sync-import.js";
import type { SyncRecord } from "./wire.js";

/** What merging one record did: changed something, nothing (older or equal), or parked it until what it refers to arrives. */
export type MergeOutcome = "applied" | "unchanged" | "parked";

/** SDX3045: the batch is refused (nothing of it is applied). */
export function refused(reason: string): SdxError {
  return sdxError("SDX3045", `sync batch refused: ${reason}`, { reason });
}

type ModelValue = NonNullable<Extract<SyncRecord, { entity: "model" }>["value"]>;

export class MergeContext {
  private readonly manifests = new Map<string, Manifest | null>();
  private readonly validators = new Map<string, ModelValidators>();
  /** Extensions installed, upgraded or uninstalled by this batch (the host reloads them). */
  readonly changedExtensions = new Set<string>();
  /** Extensions whose settings this batch changed (the host reloads them with the new values). */
  readonly changedSettings = new Set<string>();

  constructor(
    readonly library: Library,
    /** The peer the batch came from. */
    readonly peer: string,
    /** Blob bytes that came with the batch (verified against their hash), by hash. */
    readonly blobData: ReadonlyMap<string, Buffer>,
    /** Content identities that came with the batch (verified), by UUID. */
    readonly contents: ReadonlySet<string>,
  ) {}

  /** An extension's install changed: forget what was cached of it. */
  extensionChanged(extensionId: string): void {
    this.manifests.delete(extensionId);
    this.validators.delete(extensionId);
    this.changedExtensions.add(extensionId);
  }

  manifest(extensionId: string): Manifest | null {
    if (!this.manifests.has(extensionId)) this.manifests.set(extensionId, getInstalled(this.library, extensionId)?.manifest ?? null);
    return this.manifests.get(extensionId)!;
  }

  /**
   * A model may arrive only for an extension installed here, of a type it declares shared, in the
   * scope it declares.
   */
  checkModel(value: ModelValue, uuid: string): void {
    const manifest = this.manifest(value.extensionId);
    if (!manifest) throw refused(`model ${uuid} belongs to ${value.extensionId}, which is not installed here`);
    const declared = manifest.models.find((m) => m.name === value.modelType);
    const registered = declared ? { scope: declared.scope, sync: declared.sync } : registeredModelType(this.library, value.extensionId, value.modelType);
    if (!registered) throw refused(`model ${uuid}: ${value.extensionId} has no model type ${value.modelType}`);
    if (registered.sync !== "shared") throw refused(`model ${uuid}: ${value.extensionId}'s ${value.modelType} is device-owned and never leaves its device`);
    const scope = "content" in value.scope ? "content" : "standalone";
    if (registered.scope !== scope) throw refused(`model ${uuid}: ${value.modelType} is ${registered.scope}-scoped, the record says ${scope}`);
  }

  /** Merged data must pass the installed schema when it is stored at the installed version. */
  validate(extensionId: string, modelType: string, version: string | null, data: unknown, uuid: string): void {
    const manifest = this.manifest(extensionId);
    const model = manifest?.models.find((m) => m.name === modelType);
    if (!manifest || !model || version !== model.version) return;
    let validators = this.validators.get(extensionId);
    if (!validators) {
      validators = ModelValidators.fromManifest(manifest);
      this.validators.set(extensionId, validators);
    }
    try {
      validators.validateData(modelType, data);
    } catch (error) {
      if (error instanceof SdxError) throw refused(`model ${uuid}: ${error.message}`);
      throw error;
    }
  }
}
