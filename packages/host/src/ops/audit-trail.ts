/**
 * The audit log as a subscriber of host events: every mutation and every refusal becomes one row
 * (who, op, target, result, detail) in the library's `audit_log`, in the transaction of the call
 * that caused it. The wording lives here only; nothing parses it back (triggers subscribe to the
 * events themselves, events.ts).
 */
import { writeAudit, type AuditResult } from "../store/audit.js";
import type { Library } from "../store/library.js";
import type { EventListener, HostEvent } from "./events.js";

export interface AuditLine {
  op: string;
  target: string;
  result: AuditResult;
  detail?: unknown;
}

/** How an event reads in the audit log. */
export function auditLine(event: HostEvent): AuditLine {
  switch (event.type) {
    case "model_created":
      return { op: "models.create", target: `${event.modelType} ${event.uuid}`, result: "ok", detail: event.upsert ? { scope: event.scope, upsert: true } : { scope: event.scope } };
    case "model_updated":
      return { op: "models.update", target: `${event.modelType} ${event.uuid}`, result: "ok", detail: { blobs: event.blobs } };
    case "model_deleted":
      return { op: "models.delete", target: `${event.modelType} ${event.uuid}`, result: "ok" };
    case "tag_added":
    case "tag_removed":
      return { op: event.type === "tag_added" ? "tags.add" : "tags.remove", target: event.target, result: "ok", detail: { tag: event.tag, changed: event.changed } };
    case "collection_created":
      return { op: "collections.create", target: `collection ${event.uuid}`, result: "ok", detail: { name: event.name, items: event.items } };
    case "collection_items_added":
      return { op: "collections.add", target: `collection ${event.uuid}`, result: "ok", detail: { items: event.items } };
    case "sidecar_written":
      return { op: "sidecars.write", target: `content ${event.contentUuid} ${event.kind}`, result: "ok" };
    case "custom_metadata_set":
      return { op: "metadata.setCustom", target: event.target, result: "ok" };
    case "file_moved":
      return { op: "files.move", target: `entry ${event.entry}`, result: "ok", detail: { from: event.from, to: event.to } };
    case "directory_created":
      return { op: "files.mkdir", target: event.path, result: "ok", detail: { created: event.created } };
    case "file_written":
      return { op: "files.write", target: event.path, result: "ok", detail: { entry: event.entry, size: event.size } };
    case "job_dispatched":
      return { op: "jobs.dispatch", target: event.job, result: "ok", detail: { jobId: event.jobId } };
    case "ai_model_registered":
      return { op: "registry.register", target: `model ${event.name}`, result: "ok", detail: { category: event.category, sha256: event.sha256, installed: event.installed, source: event.source } };
    case "data_sent_off_machine":
      return { op: event.op, target: `model ${event.model}`, result: "ok", detail: { origin: event.origin, offMachine: true } };
    case "access_denied":
      return { op: event.op, target: event.target, result: "denied", detail: event.detail };
    case "op_failed":
      return { op: event.op, target: event.target, result: "error", detail: event.code === undefined ? { message: event.message } : { code: event.code, message: event.message } };
    case "action_step":
      return { op: `action.${event.step}`, target: `action ${event.action}`, result: event.ok ? "ok" : "error", detail: { actionId: event.actionId, ...event.detail } };
    case "action_call_refused":
      return { op: event.op, target: `action ${event.action}`, result: "denied", detail: { actionId: event.actionId, phase: "preview" } };
  }
}

/** The subscriber that writes every event of `library`'s host to its audit log. */
export function auditTrail(library: Library): EventListener {
  return ({ extensionId, event }) => {
    const line = auditLine(event);
    writeAudit(library, extensionId, line.op, line.target, line.result, line.detail);
  };
}
