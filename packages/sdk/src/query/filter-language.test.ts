import { describe, expect, it } from "vitest";
import { parseFilter } from "./filter-language.js";
import { Query, param } from "./builder.js";
import { querySpecSchema } from "./spec.js";

function spec(text: string) {
  const parsed = parseFilter(text);
  if (!parsed.ok) throw new Error(`${parsed.error.message} at ${parsed.error.offset}`);
  return parsed.spec;
}

function error(text: string) {
  const parsed = parseFilter(text);
  if (parsed.ok) throw new Error(`"${text}" parsed`);
  return parsed.error;
}

describe("the filter language", () => {
  it("reads the spec's example as entries with a tag like the pattern", () => {
    expect(spec("tags LIKE '#person:%'")).toEqual({ from: { kind: "entries" }, where: [{ field: "tags", op: "like", value: "#person:%" }], show: {} });
  });

  it("compiles to the same spec as the builder", () => {
    class Moment { title!: string; startsAt!: string; placeId?: string }
    const built = new Query().models(Moment).where("placeId", "=", param<string>("place")).where("title", "!=", null).orderBy("startsAt", "desc").limit(50).toSpec();
    expect(spec("from Moment where placeId = :place and title is not null order by startsAt desc limit 50")).toEqual(built);
    expect(querySpecSchema.parse(built)).toEqual(built);
  });

  it("knows IN, CONTAINS, numbers, booleans, quotes and the other comparisons", () => {
    expect(spec("kind IN ('image', 'video') AND size >= 1024 AND exif.latitude <> -3.5 AND name = 'it''s' AND PhotoAnalysis.identifiedPeople CONTAINS :p AND x = TRUE").where).toEqual([
      { field: "kind", op: "in", value: ["image", "video"] },
      { field: "size", op: ">=", value: 1024 },
      { field: "exif.latitude", op: "!=", value: -3.5 },
      { field: "name", op: "=", value: "it's" },
      { field: "PhotoAnalysis.identifiedPeople", op: "contains", value: { param: "p" } },
      { field: "x", op: "=", value: true },
    ]);
    expect(parseFilter("a = :one and b = :two")).toMatchObject({ ok: true, params: ["one", "two"] });
    expect(spec("FROM entries ORDER BY name").orderBy).toEqual({ field: "name", direction: "asc" });
  });

  it("locates what lies outside the language", () => {
    expect(error("tags LIKE '#person:%' OR name = 'x'")).toMatchObject({ offset: 22, message: expect.stringContaining("OR is not part") });
    expect(error("name = 'open")).toMatchObject({ offset: 7, message: expect.stringContaining("unterminated string") });
    expect(error("name ~ 'x'")).toMatchObject({ offset: 5, length: 1 });
    expect(error("size > ")).toMatchObject({ offset: 7, message: expect.stringContaining("expected a value") });
    expect(error("name = 'x'; DROP TABLE models")).toMatchObject({ offset: 10 });
    expect(error("limit 0")).toMatchObject({ offset: 6, message: expect.stringContaining("LIMIT takes") });
    expect(error("a.b.c.d = 1")).toMatchObject({ offset: 0, message: expect.stringContaining("not a field") });
    expect(error("name LIKE 3")).toMatchObject({ offset: 10, message: "LIKE takes a 'pattern'" });
  });
});
