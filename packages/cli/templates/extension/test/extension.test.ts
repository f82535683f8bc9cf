// The extension's own test, on @sdx/testing: it builds this project, installs it in the real
// sandbox against a temporary library, and runs its job on a few text files (docs/testing.md).
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestHost, type TestHost } from "@sdx/testing";

let t: TestHost;

beforeAll(async () => {
  t = await createTestHost(); // builds the project in the current directory
});

afterAll(() => t?.close());

it("countAll counts the words of every text file and tags it", async () => {
  const { path } = await t.addFiles({ "a.txt": "one two three", "notes/b.txt": "four five" });
  const outcome = await t.runJob("countAll", { location: path });
  expect(outcome.state).toBe("completed");
  expect(t.models("Note").map((m) => [m.path, m.data]).sort()).toEqual([
    ["a.txt", { words: 3, title: "a.txt" }],
    ["notes/b.txt", { words: 2, title: "b.txt" }],
  ]);
  expect(t.tags("#counted").map((link) => link.path).sort()).toEqual(["a.txt", "notes/b.txt"]);
});

it("without the write_tags grant, tagging is refused and audited", async () => {
  await t.grant({ deny: ["write_tags"] });
  const { path } = await t.addFiles({ "c.txt": "six" }, { folder: "more" });
  const outcome = await t.runJob("countAll", { location: path });
  expect(outcome.state).toBe("failed");
  expect(outcome.error?.code).toBe("SDX3001");
  expect(t.denials()).toEqual([expect.objectContaining({ result: "denied" })]);
});
