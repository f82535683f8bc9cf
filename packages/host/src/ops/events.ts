/**
 * What happens in the host, as typed events. Op handlers (and the action runner) publish them on
 * the host's `EventBus` through their `OpContext`; the audit trail and the agents subscribe.
 * Nothing reads audit text to learn what happened: the audit log is one subscriber among others,
 * and its wording (audit-trail.ts) can change without changing what triggers see.
 *
 * Events are published synchronously where they happen, inside the handler's transaction, so the
 * audit line of a mutation commits or rolls back with it. A subscriber that must not lose an event
 * (the audit trail) is `critical`: its failure fails the op. The others (agents) are reported and
 * never fail the guest's call.
 */
import type { Manifest } from "@sdx/sdk/manifest";

/** Where a guest's host calls come from: what the agents' loop guard and the job triggers need. */
export type CallOrigin =
  | { kind: "hook"; extensionId: string; depth: number }
  | { kind: "job"; jobId: string }
  | { kind: "other" };

export type ActionStep = "preview" | "execute" | "undo";

export type HostEvent =
  /** A model was written by `models.create`; `upsert` when it replaced the content's (or entry's) existing model. */
  | { type: "model_created"; modelType: string; uuid: string; scope: string; upsert: boolean }
  | { type: "model_updated"; modelType: string; uuid: string; blobs: string[] }
  | { type: "model_deleted"; modelType: string; uuid: string }
  | { type: "tag_added"; target: string; tag: string; changed: boolean }
  | { type: "tag_removed"; target: string; tag: string; changed: boolean }
  | { type: "collection_created"; uuid: string; name: string; items: number }
  | { type: "collection_items_added"; uuid: string; items: number }
  | { type: "sidecar_written"; contentUuid: string; kind: string }
  | { type: "custom_metadata_set"; target: string }
  /** An action moved an entry's file (the entry row moved with it). */
  | { type: "file_moved"; entry: string; from: string; to: string }
  | { type: "directory_created"; path: string; created: number }
  /** An action wrote a new file, indexed as `entry`. */
  | { type: "file_written"; path: string; entry: string; size: number }
  | { type: "job_dispatched"; job: string; jobId: string }
  | { type: "ai_model_registered"; name: string; category: string; sha256: string | null; installed: boolean; source: string }
  /** A language-model call sent data to an endpoint off this machine (with the user's consent). */
  | { type: "data_sent_off_machine"; op: string; model: string; origin: string }
  /** A call was refused: a missing permission or consent, a target outside the grant, another extension's object. */
  | { type: "access_denied"; op: string; target: string; detail: Record<string, unknown> }
  /** A mutating call failed after its checks (nothing was written). */
  | { type: "op_failed"; op: string; target: string; code?: string; message: string }
  /** A step of an action ran (`ok`) or failed; `refusedOp` when a preview tried to change something. */
  | { type: "action_step"; step: ActionStep; action: string; actionId: string; ok: boolean; detail: Record<string, unknown> }
  | { type: "action_call_refused"; action: string; actionId: string; op: string };

export type HostEventType = HostEvent["type"];

/** An event with who caused it. */
export interface PublishedEvent<E extends HostEvent = HostEvent> {
  readonly extensionId: string;
  /** The extension's manifest (null where only its id is known, e.g. undoing an action of an uninstalled extension). */
  readonly manifest: Manifest | null;
  readonly origin: CallOrigin;
  readonly event: E;
}

export type EventListener = (published: PublishedEvent) => void;

/** Where an op publishes: the bus itself, or one call's collector (`EventBus.collect`). */
export interface EventSink {
  publish(published: PublishedEvent): void;
}

/**
 * The events of one call: critical subscribers (the audit trail) hear each event at once, inside
 * the handler's transaction; the others hear them at `flush`, once the call succeeded, so the agents
 * never learn of a write that rolled back.
 */
export interface CallEvents extends EventSink {
  flush(): void;
}

export class EventBus implements EventSink {
  private readonly listeners: Array<{ listener: EventListener; critical: boolean }> = [];

  /** `onListenerError` hears about a failing non-critical subscriber (the op goes on). */
  constructor(private readonly onListenerError: (published: PublishedEvent, error: unknown) => void = () => undefined) {}

  /** Adds a subscriber; returns how to remove it. A `critical` one's failure fails the publishing op. */
  subscribe(listener: EventListener, options: { critical?: boolean } = {}): () => void {
    const entry = { listener, critical: options.critical === true };
    this.listeners.push(entry);
    return () => {
      const at = this.listeners.indexOf(entry);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /**
   * Only the non-critical subscribers hear `published`: an event whose critical subscribers already
   * ran where it happened (a sandbox worker wrote its audit row), once its call succeeded.
   */
  publishAfterCall(published: PublishedEvent): void {
    this.deliver(published, false);
  }

  /** Every subscriber hears `published` now. */
  publish(published: PublishedEvent): void {
    this.deliver(published, true);
    this.deliver(published, false);
  }

  collect(): CallEvents {
    const later: PublishedEvent[] = [];
    return {
      publish: (published) => {
        this.deliver(published, true);
        later.push(published);
      },
      flush: () => {
        for (const published of later.splice(0)) this.deliver(published, false);
      },
    };
  }

  private deliver(published: PublishedEvent, critical: boolean): void {
    for (const entry of this.listeners) {
      if (entry.critical !== critical) continue;
      if (critical) entry.listener(published);
      else {
        try {
          entry.listener(published);
        } catch (error) {
          this.onListenerError(published, error);
        }
      }
    }
  }
}
