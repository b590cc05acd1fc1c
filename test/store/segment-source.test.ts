/**
 * `compileSql`'s `segmentSource` option: `in segment "X"` reads X's members from the relation the caller
 * names (a static segment's member list, a materialised membership), and null keeps the inline form.
 * Executed on DuckDB and PGlite against the predicate with the same members.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSql } from "../../src/compiler/sql/index.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { checkDocument, parseSchema } from "../../src/index.js";
import { openEngine, type Engine } from "../engines/index.js";

const schema = parseSchema(JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, age: { type: "number" } } }));
const contacts = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, age: i % 4 === 0 ? null : i * 5 }));
/** The "list" the relation holds: not derivable from the data, so only a read of the relation gives it. */
const listed = new Set(["c1", "c2", "c5", "c8", "c11"]);
const segments = checkDocument(
  `segment "Listed" as age is empty or age is not empty;
   segment "Adults" as age >= 18;
   segment "Q" as (in segment "Listed" and age > 10) or not in segment "Adults";
   segment "R" as not in segment "Listed";`,
  schema,
);
const byName = (n: string) => segments.find((s) => s.name === n)!;

for (const name of ["duckdb", "pglite"] as const) {
  describe(`segmentSource on ${name}`, () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await openEngine(name);
      await engine.load(schema, contacts);
      await engine.exec(`CREATE TABLE members (segment_id INTEGER, contact_key TEXT)`);
      for (const k of listed) await engine.exec(`INSERT INTO members VALUES (7, '${k}')`);
    }, 60_000);
    afterAll(() => engine?.close());

    // "Listed" read from the member table; "Adults" inline (null).
    const source = (n: string) => (n === "Listed" ? `(SELECT contact_key AS "id" FROM members WHERE segment_id = 7)` : null);
    const expected = (segment: string) => {
      // The predicate with "Listed" meaning the listed keys: substitute a membership test by key.
      const isListed = (c: { id: string }) => listed.has(c.id);
      const adults = compilePredicate(byName("Adults"));
      return contacts
        .filter((c) => {
          const age = c.age;
          if (segment === "Q") return (isListed(c) && age !== null && age > 10) || !adults(c);
          return !isListed(c);
        })
        .map((c) => c.id)
        .sort();
    };

    for (const segment of ["Q", "R"]) {
      it(`${segment}: members read from the relation, other references inline`, async () => {
        const { sql, params } = compileSql(byName(segment), { dialect: engine.dialect, segmentSource: source, params: true, pretty: false });
        expect(sql).toContain("FROM members");
        // The subquery gets an alias in both forms (PostgreSQL 15 requires one).
        expect(sql).toMatch(/FROM \(SELECT contact_key AS "id" FROM members WHERE segment_id = 7\) AS "?s\w*"?/);
        expect(sql.match(/FROM \(SELECT contact_key/g)!.length).toBe(sql.match(/FROM \(SELECT contact_key AS "id" FROM members WHERE segment_id = 7\) AS/g)!.length);
        expect(sql).not.toMatch(/"age" IS NOT NULL\s+OR/); // Listed's own condition is not inlined
        const got = (await engine.keys(sql, params as unknown[])).sort();
        expect(got).toEqual(expected(segment));
      });
    }

    it("without the option (or with null for every name) the condition is inlined", async () => {
      const a = compileSql(byName("Q"), { dialect: engine.dialect });
      const b = compileSql(byName("Q"), { dialect: engine.dialect, segmentSource: () => null });
      expect(b.sql).toBe(a.sql);
      const inline = compilePredicate(byName("Q"));
      expect((await engine.keys(a.sql)).sort()).toEqual(contacts.filter((c) => inline(c)).map((c) => c.id).sort());
    });
  });
}
