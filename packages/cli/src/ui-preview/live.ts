/**
 * What tells the page to reload: the library changed (SQLite's `data_version` moves when another
 * connection commits: `sdx index`, a job, another host) or the extension was installed again (its
 * bundle hash changed: `sdx install` or `sdx dev` after a rebuild). Changes made through the
 * preview itself are announced with `notify`. Pages listen on /api/events (server-sent events).
 */
import type { ServerResponse } from "node:http";
import { dataVersion, type Library } from "@sdx/host";

export type ChangeKind = "library" | "extension";

export class LiveWatch {
  private readonly clients = new Set<ServerResponse>();
  private readonly listeners: Array<(kind: ChangeKind) => Promise<void>> = [];
  private timer: NodeJS.Timeout | undefined;
  private dataVersion = -1;
  private revision = "";
  private checking = false;

  constructor(private readonly library: () => Library, private readonly revisionOf: () => string, private readonly pollMs: number) {}

  onChange(listener: (kind: ChangeKind) => Promise<void>): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.dataVersion = this.version();
    this.revision = this.revisionOf();
    this.timer = setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private version(): number {
    return dataVersion(this.library());
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const revision = this.revisionOf();
      if (revision !== this.revision) {
        this.revision = revision;
        await this.notify("extension");
        this.dataVersion = this.version();
        return;
      }
      const version = this.version();
      if (version !== this.dataVersion) {
        this.dataVersion = version;
        await this.notify("library");
      }
    } finally {
      this.checking = false;
    }
  }

  /** Runs the listeners, then tells every page. */
  async notify(kind: ChangeKind): Promise<void> {
    for (const listener of this.listeners) await listener(kind);
    for (const client of this.clients) client.write(`event: change\ndata: ${JSON.stringify({ kind })}\n\n`);
  }

  stream(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write(": connected\n\n");
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }
}
