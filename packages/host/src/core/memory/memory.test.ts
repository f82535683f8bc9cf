import { afterEach, describe, expect, it } from "vitest";
import { cleanupTempDirs, openLibrary } from "../../store/__tests__/fixture.js";
import { Library } from "../../store/library.js";
import { createLibraryOpContext } from "../../ops/library-context.js";
import { parseHlc } from "../../store/hlc.js";
import { call, installAgent, wire } from "./__tests__/memory-fixture.js";
import { memoryStore } from "./store.js";

afterEach(() => cleanupTempDirs());

describe("temporal memory", () => {
  it("appends and queries by time range, newest first, with limit", async () => {
    const ctx = await installAgent(openLibrary());
    for (let day = 1; day <= 5; day++) {
      await call(ctx, "memory.temporal.append", { field: "events", event: { kind: "seen", score: day }, at: `2024-05-0${day}T10:00:00Z` });
    }
    const all = await call(ctx, "memory.temporal.query", { field: "events" });
    expect(all.events.map((e) => (e.event as { score: number }).score)).toEqual([5, 4, 3, 2, 1]);
    expect(all.events[0].at).toBe("2024-05-05T10:00:00.000Z");

    const range = await call(ctx, "memory.temporal.query", { field: "events", from: "2024-05-02T10:00:00Z", to: "2024-05-04T10:00:00+00:00" });
    expect(range.events.map((e) => (e.event as { score: number }).score)).toEqual([4, 3, 2]);

    const latest = await call(ctx, "memory.temporal.query", { field: "events", limit: 2 });
    expect(latest.events.map((e) => (e.event as { score: number }).score)).toEqual([5, 4]);
  });

  it("defaults `at` to now and orders same-instant events by append order", async () => {
    const ctx = await installAgent(openLibrary());
    const before = Date.now();
    await call(ctx, "memory.temporal.append", { field: "loose", event: "a", at: "2024-01-01T00:00:00Z" });
    await call(ctx, "memory.temporal.append", { field: "loose", event: "b", at: "2024-01-01T00:00:00Z" });
    await call(ctx, "memory.temporal.append", { field: "loose", event: [1, 2] });
    const { events } = await call(ctx, "memory.temporal.query", { field: "loose" });
    expect(events.map((e) => e.event)).toEqual([[1, 2], "b", "a"]);
    expect(Date.parse(events[0].at)).toBeGreaterThanOrEqual(before);
  });

  it("filters by JSON equality on top-level fields", async () => {
    const ctx = await installAgent(openLibrary());
    const events = [
      { kind: "face", score: 1, ok: true, tags: ["a"] },
      { kind: "face", score: 2, ok: false, note: null },
      { kind: "scene", score: 1, ok: true, note: "x" },
      { kind: "1", score: 1 },
    ];
    for (const event of events) await call(ctx, "memory.temporal.append", { field: "events", event });
    const kinds = async (where: Record<string, unknown>) =>
      (await call(ctx, "memory.temporal.query", { field: "events", where })).events.map((e) => e.event).reverse();
    expect(await kinds({ kind: "face" })).toEqual(events.slice(0, 2));
    expect(await kinds({ kind: "face", ok: true })).toEqual([events[0]]);
    expect(await kinds({ score: 1, ok: true })).toEqual([events[0], events[2]]);
    expect(await kinds({ kind: 1 })).toEqual([]); // a number never equals a string
    expect(await kinds({ ok: 1 })).toEqual([]); // nor a boolean
    expect(await kinds({ note: null })).toEqual([events[0], events[1], events[3]]); // null or missing
    expect(await kinds({ tags: ["a"] })).toEqual([events[0]]);
  });

  it("refuses bad field names, unknown fields and bad instants (SDX3002)", async () => {
    const ctx = await installAgent(openLibrary());
    const injection = await wire(ctx, "memory.temporal.query", { field: "events", where: { "kind') OR 1=1 --": "x" } });
    expect(injection.ok ? null : injection.error.code).toBe("SDX3002");
    const unknown = await wire(ctx, "memory.temporal.query", { field: "events", where: { colour: "red" } });
    expect(unknown.ok ? null : unknown.error.message).toMatch(/no event field "colour"/);
    const local = await wire(ctx, "memory.temporal.append", { field: "events", event: { kind: "x" }, at: "2024-05-01T10:00:00" });
    expect(local.ok ? null : local.error.message).toMatch(/needs Z or an offset/);
    const wrongKind = await wire(ctx, "memory.temporal.append", { field: "plan", event: { kind: "x" } });
    expect(wrongKind.ok ? null : wrongKind.error.message).toMatch(/plan .* is working memory, not temporal/);
    const missing = await wire(ctx, "memory.temporal.query", { field: "nope" });
    expect(missing.ok ? null : missing.error.message).toMatch(/no memory field "nope".*events, loose/);
  });
});

describe("working memory", () => {
  it("gets, sets and clears one value per field", async () => {
    const ctx = await installAgent(openLibrary());
    expect(await call(ctx, "memory.working.get", { field: "plan" })).toEqual({ value: null });
    await call(ctx, "memory.working.set", { field: "plan", value: { step: 1, goal: "tag faces" } });
    await call(ctx, "memory.working.set", { field: "plan", value: { step: 2, goal: "tag faces" } });
    expect(await call(ctx, "memory.working.get", { field: "plan" })).toEqual({ value: { step: 2, goal: "tag faces" } });
    await call(ctx, "memory.working.clear", { field: "plan" });
    expect(await call(ctx, "memory.working.get", { field: "plan" })).toEqual({ value: null });
    // The cleared row stays as a stamped tombstone for sync.
    const row = ctx.library.db.prepare("SELECT value, hlc FROM agent_memory_working WHERE extension_id = ?").get(ctx.extensionId) as { value: string | null; hlc: string };
    expect(row.value).toBeNull();
    expect(parseHlc(row.hlc)?.device).toBe(ctx.deviceUuid);
  });

  it("validates against the item schema (SDX3002, located)", async () => {
    const ctx = await installAgent(openLibrary());
    const bad = await wire(ctx, "memory.working.set", { field: "plan", value: { step: -1, extra: true } });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe("SDX3002");
    expect(bad.error.name).toBe("ValidationError");
    const paths = (bad.error.data as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
    expect(paths).toContain("step");
    expect(await call(ctx, "memory.working.get", { field: "plan" })).toEqual({ value: null });
    const badEvent = await wire(ctx, "memory.temporal.append", { field: "events", event: { score: "high" } });
    expect(badEvent.ok ? null : badEvent.error.code).toBe("SDX3002");
  });
});

describe("memory rows", () => {
  it("carry sync strategy, a monotonic HLC and the device, and survive reopening the library", async () => {
    const library = openLibrary();
    const dir = library.dir;
    const ctx = await installAgent(library);
    await call(ctx, "memory.temporal.append", { field: "events", event: { kind: "a" }, at: "2024-01-01T00:00:00Z" });
    await call(ctx, "memory.temporal.append", { field: "loose", event: { any: "thing" } });
    await call(ctx, "memory.working.set", { field: "plan", value: { step: 7 } });
    const rows = library.db.prepare("SELECT field, sync, hlc, device_uuid FROM agent_memory_temporal ORDER BY id").all() as Array<{ field: string; sync: string; hlc: string; device_uuid: Buffer }>;
    expect(rows.map((r) => [r.field, r.sync])).toEqual([["events", "shared"], ["loose", "device_owned"]]);
    expect(rows[0].hlc < rows[1].hlc).toBe(true);
    // The device as the 16-byte BLOB every table uses: memory joins with models on device.
    expect(rows.every((r) => Buffer.isBuffer(r.device_uuid) && r.device_uuid.equals(library.deviceUuidBlob))).toBe(true);
    const joined = library.db.prepare("SELECT count(*) AS n FROM agent_memory_temporal t JOIN devices d ON d.uuid = t.device_uuid").get() as { n: number };
    expect(joined.n).toBe(2);
    const lastHlc = (library.db.prepare("SELECT hlc FROM agent_memory_working").get() as { hlc: string }).hlc;
    library.close();

    const reopened = Library.open(dir);
    try {
      const ctx2 = createLibraryOpContext(reopened, ctx.extensionId);
      expect((await call(ctx2, "memory.temporal.query", { field: "events" })).events).toEqual([{ at: "2024-01-01T00:00:00.000Z", event: { kind: "a" } }]);
      expect(await call(ctx2, "memory.working.get", { field: "plan" })).toEqual({ value: { step: 7 } });
      // The clock resumes past every stamp already written, even ones not in the models table.
      await call(ctx2, "memory.working.set", { field: "plan", value: { step: 8 } });
      const next = (reopened.db.prepare("SELECT hlc FROM agent_memory_working").get() as { hlc: string }).hlc;
      expect(next > lastHlc).toBe(true);
    } finally {
      reopened.close();
    }
  });

  it("are isolated between extensions", async () => {
    const library = openLibrary();
    const a = await installAgent(library, "org.example.alpha");
    const b = await installAgent(library, "org.example.beta");
    await call(a, "memory.temporal.append", { field: "events", event: { kind: "alpha" } });
    await call(a, "memory.working.set", { field: "plan", value: { step: 1 } });
    expect((await call(b, "memory.temporal.query", { field: "events" })).events).toEqual([]);
    expect(await call(b, "memory.working.get", { field: "plan" })).toEqual({ value: null });
    await call(b, "memory.working.set", { field: "plan", value: { step: 2 } });
    expect(await call(a, "memory.working.get", { field: "plan" })).toEqual({ value: { step: 1 } });
    expect((await call(a, "memory.temporal.query", { field: "events" })).events.map((e) => e.event)).toEqual([{ kind: "alpha" }]);

    memoryStore(library).deleteExtension(a.extensionId);
    expect(await call(a, "memory.working.get", { field: "plan" })).toEqual({ value: null });
    expect(await call(b, "memory.working.get", { field: "plan" })).toEqual({ value: { step: 2 } });
  });

  it("refuses writes during an action preview (SDX3015)", async () => {
    const ctx = await installAgent(openLibrary());
    const preview = { ...ctx, phase: "preview" as const };
    const result = await wire(preview, "memory.working.set", { field: "plan", value: { step: 1 } });
    expect(result.ok ? null : result.error.code).toBe("SDX3015");
    expect(await call(ctx, "memory.working.get", { field: "plan" })).toEqual({ value: null });
  });
});

describe("memory tables of an older sdx", () => {
  it("are rebuilt with the device as a 16-byte BLOB, rows and ids kept", async () => {
    const library = openLibrary();
    // The layout an older sdx created: device_uuid as 36-character text.
    library.db.exec(`CREATE TABLE agent_memory_working (extension_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT, sync TEXT NOT NULL,
      hlc TEXT NOT NULL, device_uuid TEXT NOT NULL, PRIMARY KEY (extension_id, field)) WITHOUT ROWID`);
    library.db.exec(`CREATE TABLE agent_memory_temporal (id INTEGER PRIMARY KEY, uuid BLOB NOT NULL UNIQUE, extension_id TEXT NOT NULL, field TEXT NOT NULL,
      at TEXT NOT NULL, at_ms INTEGER NOT NULL, event TEXT NOT NULL, sync TEXT NOT NULL, hlc TEXT NOT NULL, device_uuid TEXT NOT NULL)`);
    const hlc = library.hlc.now();
    library.db.prepare("INSERT INTO agent_memory_working VALUES ('org.example.agent', 'plan', '{\"step\":3}', 'shared', ?, ?)").run(hlc, library.deviceUuid);
    library.db.prepare("INSERT INTO agent_memory_temporal VALUES (41, randomblob(16), 'org.example.agent', 'events', '2024-01-01T00:00:00.000Z', 1704067200000, '{\"kind\":\"a\"}', 'shared', ?, ?)")
      .run(hlc, library.deviceUuid);

    memoryStore(library);
    const working = library.db.prepare("SELECT value, device_uuid FROM agent_memory_working").get() as { value: string; device_uuid: Buffer };
    expect(working.value).toBe('{"step":3}');
    expect(working.device_uuid.equals(library.deviceUuidBlob)).toBe(true);
    const temporal = library.db.prepare("SELECT id, device_uuid FROM agent_memory_temporal").get() as { id: number; device_uuid: Buffer };
    expect(temporal.id).toBe(41);
    expect(temporal.device_uuid.equals(library.deviceUuidBlob)).toBe(true);
    const declared = library.db.prepare("SELECT type FROM pragma_table_info('agent_memory_temporal') WHERE name = 'device_uuid'").get() as { type: string };
    expect(declared.type).toBe("BLOB");
    const indexes = library.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agent_memory_temporal' AND name LIKE 'agent_memory%'").all();
    expect(indexes).toHaveLength(2);
  });
});
