/**
 * Plain data types that cross the guest↔host boundary.
 *
 * Everything here is JSON-serializable (typed arrays travel as binary attachments, see
 * `protocol.ts`), so the same shapes are used by the guest runtime, the host and the codegen.
 */

/** A UUID string (RFC 4122, lower-case, hyphenated). Kept as a named alias so the codegen can see it. */
export type Uuid = string;

/** An ISO-8601 timestamp string, e.g. `"2026-11-24T10:00:00.000Z"`. */
export type Timestamp = string;

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A path in the VDFS: a physical location on one device.
 *
 * The CLI converts a plain filesystem path given for an `SdPath` job parameter into
 * `{ device: <this device>, path: <absolute path> }`.
 */
export interface SdPath {
  /** The device that holds the file. */
  device: Uuid;
  /** Absolute path on that device, `/`-separated. */
  path: string;
}

/** What the indexer decided a file is, from its magic bytes and extension. */
export type EntryKind =
  | "image"
  | "video"
  | "audio"
  | "document"
  | "text"
  | "archive"
  | "code"
  | "directory"
  | "unknown";

/** The data of an entry, as the host sends it. `Entry` adds methods on top. */
export interface EntryData {
  uuid: Uuid;
  name: string;
  /** File extension without the dot, lower-case, or `null`. */
  extension: string | null;
  kind: EntryKind;
  path: SdPath;
  locationUuid: Uuid;
  size: number;
  /** The content this entry points at. Every copy of the same bytes shares one content UUID. */
  contentUuid: Uuid;
  modifiedAt: Timestamp;
}

/** A file or directory in a location. Entries are device-owned; their content is shared. */
export interface Entry extends EntryData {
  /** Reads the whole file. Requires `Permission.readEntries` covering this entry. */
  read(): Promise<Uint8Array>;
  /** Reads a sidecar (e.g. `"exif"`, `"ocr"`) of this entry's content; `null` when there is none. */
  sidecar<T = JsonValue>(kind: string): Promise<T | null>;
}

/** Unique content, shared by every entry with the same bytes (deterministic UUID from the hash). */
export interface ContentIdentity {
  uuid: Uuid;
  /** BLAKE3 content hash, hex. */
  hash: string;
  size: number;
  kind: EntryKind;
  firstSeenAt: Timestamp;
}

/**
 * A device of the library, as `ctx.selectDevice()…select()` returns it. Only such an object can be
 * passed to `executeOn`: its `handle` proves the host selected it for this extension.
 */
export interface Device {
  uuid: Uuid;
  name: string;
  /** This device (where the call is made). */
  isLocal: boolean;
  /** `cpu`, `gpu` (an ONNX GPU execution provider), `model:<name>` (an AI model installed there), and what its user declared. */
  capabilities: string[];
  /** Opaque; checked by the host. */
  handle: string;
  /** CPU cores and memory the device reported (null when it reported none). */
  cores: number | null;
  memoryBytes: number | null;
}

/** Element types of a tensor; they map 1:1 to JS typed arrays. */
export type TensorType = "float32" | "float64" | "int32" | "int64" | "uint8" | "int8" | "bool";

/** A tensor crossing the boundary as binary data, never as a JSON number list. */
export interface Tensor {
  type: TensorType;
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;
}

/** A change an action previews and then applies. */
export type ActionChange =
  | { type: "add_tag"; target: TagTarget; tag: string; description?: string }
  | { type: "remove_tag"; target: TagTarget; tag: string; description?: string }
  | { type: "create_collection"; name: string; items: CollectionItemRef[]; description?: string }
  | { type: "add_to_collection"; collection: string; items: CollectionItemRef[]; description?: string }
  | { type: "create_model"; modelType: string; scope: ModelScopeRef; data: JsonValue; description?: string }
  | { type: "delete_model"; modelType: string; uuid: Uuid; description?: string }
  /** Moves (or renames) an entry's file; the entry keeps its UUID, content, tags and models. Needs `Permission.writeFiles`. */
  | { type: "move_file"; entry: Uuid; from: SdPath; to: SdPath; description?: string }
  /** Creates a directory (and its missing parents). Needs `Permission.writeFiles`. */
  | { type: "create_directory"; path: SdPath; description?: string }
  /** Writes a new file (never replaces one): its size and SHA-256, so the user sees what will be written. Needs `Permission.writeFiles`. */
  | { type: "write_file"; path: SdPath; size: number; sha256: string; description?: string };

/** What an `@action` returns from its preview step. */
export interface ActionPreview {
  title: string;
  changes: ActionChange[];
  reversible: boolean;
}

/** Something a tag can be attached to. */
export type TagTarget = { content: Uuid } | { entry: Uuid } | { model: Uuid };

/** Something a collection can hold: an entry, a content identity, or a model. */
export type CollectionItemRef = { entry: Uuid } | { content: Uuid } | { model: Uuid };

/** Where a model row is attached. */
export type ModelScopeRef = { content: Uuid } | { entry: Uuid } | { standalone: true };

/** A named collection. */
export interface Collection {
  uuid: Uuid;
  name: string;
  items: CollectionItemRef[];
}

/** Log levels, shared by `console` in the guest and the agent trail. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";
