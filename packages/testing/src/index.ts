/**
 * @module @sdx/testing
 * Test an extension the way it runs: `createTestHost()` builds it, installs it in the real sandbox
 * against a real temporary library, and lets a test add files, run jobs and actions, read what
 * they wrote, advance a fake clock, serve fake AI models, and crash a job mid-way.
 * @see docs/testing.md
 */
export { createTestHost } from "./test-host.js";
export type { TestHost, TestHostOptions, GrantOptions } from "./test-host.js";
export { FakeClock } from "./fake-clock.js";
export type { PendingTimer } from "./fake-clock.js";
export type { FakeModel, ChatMessage } from "./fake-models.js";
export type { CrashOutcome } from "./crash.js";
export type { JobOutcome, ModelView, TagView, MemoryView, AuditRecord } from "@sdx/host";
