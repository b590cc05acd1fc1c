/**
 * The store on a PostgreSQL whose own settings differ from the defaults:
 * - a server (or a PGlite session) whose DateStyle is not ISO, or whose time zone is not UTC, set by the
 *   database or by the URL's own `?options=`, still gives every date and time as the store wrote it (the
 *   adapter reads their text form, which is ISO only under DateStyle ISO). A server set to 'SQL, DMY' read
 *   every timestamp as null: the web app's member lists, why and exports showed no times;
 * - a database made with a language's collation (en-US) sorts text fields as DuckDB does, by code.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import { createPglite, crmSchema } from "./helpers.js";

/** What the store should read back whatever the session's settings. */
const CONTACT = { id: "c1", name: "Ann", birthday: "1990-05-01", signed_up_at: "2025-01-10T09:00:00.000Z" };

/** Writes the contact and reads it back through the store. */
async function roundTrip(store: Store): Promise<Record<string, unknown>> {
  await store.upsertContacts([CONTACT]);
  const read = (await store.listContacts({ limit: 1 })).items[0]!;
  return { birthday: read["birthday"], signed_up_at: read["signed_up_at"] };
}

describe("the store on PostgreSQL sessions and databases with other settings (date style, time zone, collation)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("PGlite with DateStyle 'SQL, DMY' and another time zone: dates and times read as written", async () => {
    const pg = (await createPglite()) as unknown as { exec(sql: string): Promise<unknown>; close(): Promise<void> };
    cleanups.push(() => pg.close());
    await pg.exec("SET DateStyle TO 'SQL, DMY'; SET TIME ZONE 'Pacific/Chatham'");
    const store = await openStore({ pglite: pg, pgSchema: "datestyle", schema: crmSchema });
    cleanups.push(() => store.close());
    expect(await roundTrip(store)).toEqual({ birthday: CONTACT.birthday, signed_up_at: CONTACT.signed_up_at });
  });

  it.skipIf(!process.env["PG_URL"])("a server database set to DateStyle 'German' and another time zone: dates and times read as written", async () => {
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: process.env["PG_URL"]! });
    await admin.connect();
    cleanups.push(() => admin.end());
    // A database of its own: its settings are what a server configured so would give every session.
    const name = `segql_datestyle_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    cleanups.push(async () => void (await admin.query(`DROP DATABASE IF EXISTS "${name}"`)));
    await admin.query(`ALTER DATABASE "${name}" SET DateStyle TO 'German'`);
    await admin.query(`ALTER DATABASE "${name}" SET TimeZone TO 'Pacific/Chatham'`);
    const url = new URL(process.env["PG_URL"]!);
    url.pathname = `/${name}`;
    const store = await openStore({ db: url.toString(), schema: crmSchema });
    cleanups.push(() => store.close());
    expect(await roundTrip(store)).toEqual({ birthday: CONTACT.birthday, signed_up_at: CONTACT.signed_up_at });
  });

  it.skipIf(!process.env["PG_URL"])("a server URL with its own ?options= (DateStyle 'German', another time zone): dates and times read as written", async () => {
    // pg lets the URL's options replace those the pool is given: the settings must not travel there.
    const url = new URL(process.env["PG_URL"]!);
    url.searchParams.set("options", "-c DateStyle=German -c TimeZone=Pacific/Chatham");
    const pgSchema = `segql_datestyle_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const store = await openStore({ db: url.toString(), pgSchema, schema: crmSchema });
    cleanups.push(async () => {
      const { default: pg } = await import("pg");
      const admin = new pg.Client({ connectionString: process.env["PG_URL"]! });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await admin.end();
    });
    cleanups.push(() => store.close());
    expect(await roundTrip(store)).toEqual({ birthday: CONTACT.birthday, signed_up_at: CONTACT.signed_up_at });
  });

  it.skipIf(!process.env["PG_URL"])("a database with an en-US collation sorts text fields as DuckDB does (by code), whatever its locale", async () => {
    // Most servers are created with a language's collation: there "USA" came after "United" (case folded)
    // in a member list sorted by that field, and before it on DuckDB.
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: process.env["PG_URL"]! });
    await admin.connect();
    cleanups.push(() => admin.end());
    const name = `segql_collation_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    cleanups.push(async () => void (await admin.query(`DROP DATABASE IF EXISTS "${name}"`)));
    const url = new URL(process.env["PG_URL"]!);
    url.pathname = `/${name}`;
    const names = ["United", "USA", "apple", "Zebra", "Ångström", "de Vries", "DE VRIES", "a-b", "ab"];
    const contacts = names.map((n, i) => ({ id: `c${i}`, name: n }));
    const duck = await openStore({ db: ":memory:", schema: crmSchema });
    cleanups.push(() => duck.close());
    const store = await openStore({ db: url.toString(), schema: crmSchema });
    cleanups.push(() => store.close());
    for (const s of [store, duck]) await s.upsertContacts(contacts);
    const sorted = async (s: Store, descending: boolean) => {
      const listed = (await s.listContacts({ orderBy: "name", descending, limit: 100 })).items.map((c) => c["name"]);
      const previewed = (await s.preview("name is not empty", { orderBy: "name", descending, limit: 100, conditionCounts: false })).contacts.map((c) => c["name"]);
      return { listed, previewed };
    };
    for (const descending of [false, true]) expect(await sorted(store, descending)).toEqual(await sorted(duck, descending));
    expect((await sorted(duck, false)).listed).toEqual([...names].sort());
  });
});
