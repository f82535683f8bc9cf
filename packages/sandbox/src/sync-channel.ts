/**
 * Synchronous host calls from a worker (`__sdx_call_sync`: logging, randomness, text codecs): the
 * worker posts the request as a message and blocks in `Atomics.wait` until the host's thread has
 * written the reply into a SharedArrayBuffer. A reply larger than the buffer comes in chunks: the
 * worker asks for the next one with another message. The host's thread never waits on a worker.
 *
 * Layout: Int32 [0] state (0 empty, 1 a chunk is ready), [1] total bytes, [2] bytes in this
 * chunk, [3] unused; then the chunk. The reply is a `WireMessage` serialized with v8.serialize.
 */
import { deserialize, serialize } from "node:v8";
import type { WireMessage } from "@sdx/sdk/wire";

const HEADER = 16;
/** Room for one chunk: most sync replies (a log's null, 64 KiB of randomness) fit at once. */
export const SYNC_CHUNK_BYTES = 1024 * 1024;

export function newSyncBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + SYNC_CHUNK_BYTES);
}

/** The host's side: writes a reply, chunk by chunk. */
export class SyncReplyWriter {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private pending: Uint8Array | null = null;
  private offset = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, 4);
    this.data = new Uint8Array(buffer, HEADER);
  }

  /** Starts a reply and writes its first chunk. */
  write(reply: WireMessage): void {
    this.pending = new Uint8Array(serialize(reply));
    this.offset = 0;
    this.next();
  }

  /** Writes the next chunk (the worker asked for it). */
  next(): void {
    const pending = this.pending;
    if (!pending) return;
    const size = Math.min(SYNC_CHUNK_BYTES, pending.length - this.offset);
    this.data.set(pending.subarray(this.offset, this.offset + size));
    this.offset += size;
    if (this.offset >= pending.length) this.pending = null;
    Atomics.store(this.control, 1, pending.length);
    Atomics.store(this.control, 2, size);
    Atomics.store(this.control, 0, 1);
    Atomics.notify(this.control, 0);
  }
}

/** The worker's side: blocks until the reply has arrived. */
export class SyncReplyReader {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, 4);
    this.data = new Uint8Array(buffer, HEADER);
  }

  /** Waits for the whole reply; `askNext` requests each chunk after the first. */
  read(askNext: () => void): WireMessage {
    Atomics.wait(this.control, 0, 0);
    const total = Atomics.load(this.control, 1);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (;;) {
      const size = Atomics.load(this.control, 2);
      bytes.set(this.data.subarray(0, size), offset);
      offset += size;
      Atomics.store(this.control, 0, 0);
      if (offset >= total) break;
      askNext();
      Atomics.wait(this.control, 0, 0);
    }
    return deserialize(bytes) as WireMessage;
  }
}
