/**
 * What each dialect writes for each operator (the `where` form, one line): table tests per STYLE.md 10.
 * Engines run this SQL in test/sql/engines.test.ts and in the differential tests; here the text itself.
 */
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compileSql, DIALECT_NAMES, SqlCompileError } from "../../src/compiler/sql/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { crmSchema, expectSql } from "../helpers/expect-sql.js";

const T = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'";

describe("strings: exact = and IN, MySQL compares bytes", () => {
  it("=", () =>
    expectSql('plan_type = "Pro"', {
      duckdb: `"plan" = 'Pro'`,
      postgres: `"plan" = 'Pro'`,
      sqlite: `"plan" = 'Pro'`,
      mysql: "`plan` = 'Pro' AND CAST(`plan` AS BINARY) = CAST('Pro' AS BINARY)",
      bigquery: "`plan` = 'Pro'",
      snowflake: `"plan" = 'Pro'`,
    }));
  it("!= is the complement: true on NULL", () =>
    expectSql('plan_type != "Pro"', {
      duckdb: `"plan" IS NULL OR "plan" <> 'Pro'`,
      mysql: "`plan` IS NULL OR CAST(`plan` AS BINARY) <> CAST('Pro' AS BINARY)",
      bigquery: "`plan` IS NULL OR `plan` <> 'Pro'",
    }));
  it("in / not in", () => {
    expectSql('status in ("Trial", "Inactive")', {
      postgres: `"status" IN ('Trial', 'Inactive')`,
      mysql: "`status` IN ('Trial', 'Inactive') AND CAST(`status` AS BINARY) IN (CAST('Trial' AS BINARY), CAST('Inactive' AS BINARY))",
    });
    expectSql('status not in ("Trial", "Inactive")', {
      sqlite: `"status" IS NULL OR "status" NOT IN ('Trial', 'Inactive')`,
      mysql: "`status` IS NULL OR CAST(`status` AS BINARY) NOT IN (CAST('Trial' AS BINARY), CAST('Inactive' AS BINARY))",
    });
    // Duplicates collapse; one value is an equality.
    expectSql('status in ("Trial", "Trial")', { duckdb: `"status" = 'Trial'` });
  });
  it('"" is empty: = "" never holds, != "" always does', () => {
    expectSql('email = ""', { duckdb: "FALSE", mysql: "FALSE", sqlite: "FALSE" });
    expectSql('email != ""', { duckdb: "TRUE", postgres: "TRUE" });
    expectSql('email in ("", "a")', { postgres: `"email" = 'a'` });
  });
  it("is empty / is not empty (MySQL counts characters: PAD SPACE makes ' ' = '')", () => {
    expectSql("email is empty", {
      postgres: `"email" IS NULL OR "email" = ''`,
      mysql: "`email` IS NULL OR CHAR_LENGTH(`email`) = 0",
    });
    expectSql("email is not empty", { duckdb: `"email" <> ''`, mysql: "CHAR_LENGTH(`email`) > 0", snowflake: `"email" <> ''` });
  });
});

describe("contains / starts with / ends with: ASCII-only folding, %, _ and \\ literal", () => {
  it("contains with escaping", () =>
    expectSql('email contains "a%b"', {
      duckdb: `lower("email") LIKE '%a!%b%' ESCAPE '!'`,
      postgres: `lower("email" COLLATE "C") LIKE '%a!%b%' ESCAPE '!'`,
      // SQLite's LIKE stops at a NUL inside the text; instr() and BLOB comparisons do not.
      sqlite: `instr(lower("email"), 'a%b') > 0`,
      mysql: "CAST(REPLACE(REPLACE(`email`, 'A', 'a'), 'B', 'b') AS BINARY) LIKE CAST('%a!%b%' AS BINARY) ESCAPE '!'",
      bigquery: `STRPOS(TRANSLATE(\`email\`, ${T}), 'a%b') > 0`,
      snowflake: `TRANSLATE("email", ${T}) LIKE '%a!%b%' ESCAPE '!'`,
    }));
  it("no ESCAPE clause when nothing needs escaping; a backslash needs the clause (PostgreSQL/MySQL default escape)", () => {
    expectSql('email starts with "Xy"', { postgres: `lower("email" COLLATE "C") LIKE 'xy%'` });
    expectSql('email ends with "a\\\\b"', {
      postgres: `lower("email" COLLATE "C") LIKE E'%a\\\\b' ESCAPE '!'`,
      sqlite: `substr(CAST(lower("email") AS BLOB), -length(CAST('a\\b' AS BLOB))) = CAST('a\\b' AS BLOB)`,
      mysql: "CAST(REPLACE(REPLACE(`email`, 'A', 'a'), 'B', 'b') AS BINARY) LIKE CAST(_utf8mb4 X'25615C62' AS BINARY) ESCAPE '!'",
    });
    expectSql('email contains "_!"', { duckdb: `lower("email") LIKE '%!_!!%' ESCAPE '!'` });
  });
  it("negated forms are complements", () =>
    expectSql('email not starts with "Xy"', {
      duckdb: `"email" IS NULL OR lower("email") NOT LIKE 'xy%'`,
      bigquery: `\`email\` IS NULL OR NOT STARTS_WITH(TRANSLATE(\`email\`, ${T}), 'xy')`,
      snowflake: `"email" IS NULL OR TRANSLATE("email", ${T}) NOT LIKE 'xy%'`,
    }));
  it("DuckDB: lower() only where it is exact (i/k re-checked for İ and the Kelvin sign), else TRANSLATE", () => {
    expectSql('email ends with "@gmail.com"', {
      duckdb: `(lower("email") LIKE '%@gmail.com' AND (NOT (contains("email", '\u212A') OR contains("email", '\u0130')) OR TRANSLATE("email", ${T}) LIKE '%@gmail.com'))`,
    });
    expectSql('email contains "É"', { duckdb: `TRANSLATE("email", ${T}) LIKE '%É%'` });
  });
  it('contains "" holds for every non-empty value', () => {
    expectSql('email contains ""', { duckdb: `"email" <> ''`, mysql: "CHAR_LENGTH(`email`) > 0" });
    expectSql('not email contains ""', { duckdb: `"email" IS NULL OR "email" = ''` });
  });
});

describe("numbers and booleans", () => {
  it("comparisons and their complements", () => {
    expectSql("lifetime_value >= 100.5", { duckdb: `"lifetime_value" >= 100.5`, mysql: "`lifetime_value` >= 100.5" });
    expectSql("not lifetime_value >= 100.5", { postgres: `"lifetime_value" IS NULL OR "lifetime_value" < 100.5` });
    expectSql("lifetime_value not between 1 and 2", { sqlite: `"lifetime_value" IS NULL OR "lifetime_value" NOT BETWEEN 1 AND 2` });
    expectSql("tenure in (1, 2, 2)", { postgres: `"tenure" IN (1, 2)` });
    expectSql("tenure > -5", { postgres: `"tenure" > -5` });
  });
  it("numbers are written so each engine reads back the same double", () => {
    expectSql("lifetime_value = 0.9552099455213019", { duckdb: `"lifetime_value" = 0.9552099455213019e0`, postgres: `"lifetime_value" = 0.9552099455213019` });
    expectSql("lifetime_value = 55244610829456350", { sqlite: `"lifetime_value" = 5.524461082945635e+16`, duckdb: `"lifetime_value" = 5.524461082945635e+16` });
    expectSql("lifetime_value > 1e21", { mysql: "`lifetime_value` > 1e+21" });
  });
  it("booleans", () => {
    expectSql("is_verified", { duckdb: `"is_verified" = TRUE`, sqlite: `"is_verified" = TRUE`, mysql: "`is_verified` = TRUE" });
    expectSql("not is_verified", { postgres: `"is_verified" IS NULL OR "is_verified" = FALSE` });
    expectSql("is_verified is empty", { bigquery: "`is_verified` IS NULL" });
  });
});

describe("lists", () => {
  it("has / has any / has all / has none / is empty", () => {
    expectSql('tags has "vip"', {
      duckdb: `list_contains("tags", 'vip')`,
      postgres: `"tags" && ARRAY['vip']::text[]`,
      sqlite: `EXISTS (SELECT 1 FROM json_each("tags") AS j WHERE j.type = 'text' AND j.value IN ('vip'))`,
      // MariaDB's JSON_OVERLAPS compares escaped JSON text: JSON_TABLE unescapes.
      mysql: "EXISTS (SELECT 1 FROM JSON_TABLE(`tags`, '$[*]' COLUMNS (v LONGTEXT PATH '$', j JSON PATH '$')) AS t WHERE JSON_TYPE(t.j) = 'STRING' AND CAST(t.v AS BINARY) IN (CAST('vip' AS BINARY)))",
      bigquery: "'vip' IN UNNEST(`tags`)",
      snowflake: `ARRAYS_OVERLAP("tags", ARRAY_CONSTRUCT('vip'))`,
    });
    expectSql('tags has none ("a", "b")', {
      duckdb: `"tags" IS NULL OR NOT (list_has_any("tags", ['a', 'b']))`,
      postgres: `"tags" IS NULL OR NOT ("tags" && ARRAY['a', 'b']::text[])`,
      bigquery: "`tags` IS NULL OR NOT (EXISTS (SELECT 1 FROM UNNEST(`tags`) AS t WHERE t IN ('a', 'b')))",
    });
    expectSql('tags has all ("a", "b", "a")', {
      duckdb: `list_has_all("tags", ['a', 'b'])`,
      postgres: `"tags" @> ARRAY['a', 'b']::text[]`,
      sqlite: `(SELECT COUNT(DISTINCT j.value) FROM json_each("tags") AS j WHERE j.type = 'text' AND j.value IN ('a', 'b')) = 2`,
      mysql: "(SELECT COUNT(DISTINCT CAST(t.v AS BINARY)) FROM JSON_TABLE(`tags`, '$[*]' COLUMNS (v LONGTEXT PATH '$', j JSON PATH '$')) AS t WHERE JSON_TYPE(t.j) = 'STRING' AND CAST(t.v AS BINARY) IN (CAST('a' AS BINARY), CAST('b' AS BINARY))) = 2",
      snowflake: `ARRAY_SIZE(ARRAY_INTERSECTION(ARRAY_CONSTRUCT('a', 'b'), "tags")) = 2`,
    });
    expectSql("tags is empty", { duckdb: `"tags" IS NULL OR NOT (len("tags") > 0)`, mysql: "`tags` IS NULL OR NOT (JSON_LENGTH(`tags`) > 0)" });
  });
});

describe("time", () => {
  it("timestamp literals in each dialect's type, UTC", () => {
    expectSql("signed_up_at before 2024-01-01", {
      duckdb: `"signed_up_at" < TIMESTAMP '2024-01-01 00:00:00.000'`,
      postgres: `"signed_up_at" < TIMESTAMPTZ '2024-01-01 00:00:00.000+00'`,
      sqlite: `strftime('%Y-%m-%dT%H:%M:%fZ', "signed_up_at") < '2024-01-01T00:00:00.000Z'`,
      mysql: "`signed_up_at` < TIMESTAMP '2024-01-01 00:00:00.000'",
      bigquery: "`signed_up_at` < TIMESTAMP '2024-01-01 00:00:00.000+00'",
      snowflake: `"signed_up_at" < TO_TIMESTAMP_TZ('2024-01-01 00:00:00.000 +00:00')`,
    });
    expectSql("signed_up_at not after 2024-01-01T10:00:00+02:00", {
      postgres: `"signed_up_at" IS NULL OR "signed_up_at" <= TIMESTAMPTZ '2024-01-01 08:00:00.000+00'`,
    });
  });
  it("a date field compares as its midnight: literal instants become date bounds", () => {
    expectSql("birthday after 2024-01-01T10:00:00Z", { duckdb: `"birthday" > DATE '2024-01-01'`, sqlite: `"birthday" > '2024-01-01'` });
    expectSql("birthday before 2024-01-01T10:00:00Z", { postgres: `"birthday" < DATE '2024-01-02'` });
    expectSql("birthday between 2024-01-01T10:00:00Z and 2024-01-02", { postgres: `"birthday" BETWEEN DATE '2024-01-02' AND DATE '2024-01-02'` });
    expectSql("birthday = 2024-01-01T10:00:00Z", { postgres: "FALSE" });
    expectSql("birthday != 2024-01-01T10:00:00Z", { postgres: "TRUE" });
  });
  it("without now: the engine's clock, truncated to milliseconds; months clamp", () => {
    expectSql("signed_up_at within last 2 weeks", {
      duckdb: `"signed_up_at" BETWEEN (date_trunc('millisecond', current_timestamp AT TIME ZONE 'UTC') - INTERVAL 2 WEEK) AND date_trunc('millisecond', current_timestamp AT TIME ZONE 'UTC')`,
      postgres: `"signed_up_at" BETWEEN (((date_trunc('milliseconds', CURRENT_TIMESTAMP) AT TIME ZONE 'UTC') - INTERVAL '2 week') AT TIME ZONE 'UTC') AND date_trunc('milliseconds', CURRENT_TIMESTAMP)`,
      mysql: "`signed_up_at` BETWEEN (UTC_TIMESTAMP(3) - INTERVAL 2 WEEK) AND UTC_TIMESTAMP(3)",
      bigquery: "`signed_up_at` BETWEEN TIMESTAMP(DATETIME_SUB(DATETIME(TIMESTAMP_TRUNC(CURRENT_TIMESTAMP(), MILLISECOND)), INTERVAL 2 WEEK)) AND TIMESTAMP_TRUNC(CURRENT_TIMESTAMP(), MILLISECOND)",
      snowflake: `"signed_up_at" BETWEEN DATEADD(WEEK, -1 * 2, DATE_TRUNC('MILLISECOND', CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()))) AND DATE_TRUNC('MILLISECOND', CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()))`,
    });
    expectSql("birthday before today", {
      postgres: `"birthday" < date_trunc('day', CURRENT_TIMESTAMP AT TIME ZONE 'UTC')`,
      sqlite: `("birthday" || 'T00:00:00.000Z') < (SELECT strftime('%Y-%m-%dT00:00:00.000Z', 'now'))`,
      bigquery: "DATETIME(`birthday`) < DATETIME(CURRENT_DATE('UTC'))",
    });
  });
  it("SQLite months: clamped by hand (its '-1 month' modifier overflows into the next month)", () => {
    const { sql } = compileSql(checkExpression("signed_up_at within last 1 month", crmSchema), { dialect: "sqlite", form: "where", pretty: false });
    expect(sql).toContain("'start of month', '-1 months'");
    expect(sql).toContain("min(CAST(strftime('%d'");
  });
  it("with now: every instant is a literal", () => {
    expectSql(
      "signed_up_at within last 1 month and birthday after today",
      {
        postgres: `"signed_up_at" BETWEEN TIMESTAMPTZ '2024-02-29 12:00:00.000+00' AND TIMESTAMPTZ '2024-03-31 12:00:00.000+00' AND "birthday" > DATE '2024-03-31'`,
        sqlite: `strftime('%Y-%m-%dT%H:%M:%fZ', "signed_up_at") BETWEEN '2024-02-29T12:00:00.000Z' AND '2024-03-31T12:00:00.000Z' AND "birthday" > '2024-03-31'`,
      },
      { now: "2024-03-31T12:00:00Z" },
    );
  });
});

describe("events", () => {
  const exists = `EXISTS (SELECT 1 FROM "events" AS "e" WHERE "e"."contact_id" = "contacts"."id" AND "e"."event" = 'Purchase')`;
  it("performed / not performed / exactly 0: [NOT] EXISTS", () => {
    expectSql('performed "Purchase"', { duckdb: exists, postgres: exists, sqlite: exists });
    expectSql('not performed "Purchase"', { duckdb: `NOT ${exists}` });
    expectSql('performed "Purchase" exactly 0 times', { postgres: `NOT ${exists}` });
    expectSql('performed "Purchase" at least 0 times', { postgres: "TRUE" });
  });
  it("counts: grouped semi-join; at most = anti-join of at least n+1", () => {
    expectSql('performed "Purchase" at least 3 times', {
      postgres: `"contacts"."id" IN (SELECT "e"."contact_id" FROM "events" AS "e" WHERE "e"."event" = 'Purchase' GROUP BY "e"."contact_id" HAVING COUNT(*) >= 3)`,
    });
    expectSql('performed "Purchase" at most 2 times', {
      duckdb: `NOT EXISTS (SELECT 1 FROM (SELECT "e"."contact_id" FROM "events" AS "e" WHERE "e"."event" = 'Purchase' GROUP BY "e"."contact_id" HAVING COUNT(*) >= 3) AS "g" WHERE "g"."contact_id" = "contacts"."id")`,
    });
  });
  it("window and filter on the same event row; JSON properties typed or NULL", () => {
    expectSql('performed "Purchase" between 2024-01-01 and 2024-02-01 where amount > 5 and sku starts with "A"', {
      duckdb: `EXISTS (SELECT 1 FROM "events" AS "e" WHERE "e"."contact_id" = "contacts"."id" AND "e"."event" = 'Purchase' AND "e"."occurred_at" BETWEEN TIMESTAMP '2024-01-01 00:00:00.000' AND TIMESTAMP '2024-02-01 00:00:00.000' AND TRY_CAST(CAST(json_extract("e"."properties", '/amount') AS VARCHAR) AS DOUBLE) > 5 AND lower("e"."sku") LIKE 'a%')`,
      postgres: `EXISTS (SELECT 1 FROM "events" AS "e" WHERE "e"."contact_id" = "contacts"."id" AND "e"."event" = 'Purchase' AND "e"."occurred_at" BETWEEN TIMESTAMPTZ '2024-01-01 00:00:00.000+00' AND TIMESTAMPTZ '2024-02-01 00:00:00.000+00' AND CASE WHEN jsonb_typeof(("e"."properties" -> 'amount')) = 'number' THEN CAST(("e"."properties" ->> 'amount') AS double precision) END > 5 AND lower("e"."sku" COLLATE "C") LIKE 'a%')`,
      mysql: "EXISTS (SELECT 1 FROM `events` AS `e` WHERE `e`.`contact_id` = `contacts`.`id` AND `e`.`event` = 'Purchase' AND CAST(`e`.`event` AS BINARY) = CAST('Purchase' AS BINARY) AND `e`.`occurred_at` BETWEEN TIMESTAMP '2024-01-01 00:00:00.000' AND TIMESTAMP '2024-02-01 00:00:00.000' AND CASE WHEN JSON_TYPE(JSON_EXTRACT(`e`.`properties`, '$.\"amount\"')) IN ('INTEGER', 'DOUBLE', 'DECIMAL', 'UNSIGNED INTEGER') THEN CAST(JSON_UNQUOTE(JSON_EXTRACT(`e`.`properties`, '$.\"amount\"')) AS DOUBLE) END > 5 AND CAST(REPLACE(`e`.`sku`, 'A', 'a') AS BINARY) LIKE CAST('a%' AS BINARY))",
    });
  });
  it("DuckDB: a JSON string property equals a value by its JSON text (one parse); negated, the exact complement", () => {
    expectSql('performed "Purchase" where currency in ("EUR", "US\\"D")', {
      duckdb: `EXISTS (SELECT 1 FROM "events" AS "e" WHERE "e"."contact_id" = "contacts"."id" AND "e"."event" = 'Purchase' AND json_extract("e"."properties", '/currency') IN ('"EUR"', '"US\\"D"'))`,
      postgres: `EXISTS (SELECT 1 FROM "events" AS "e" WHERE "e"."contact_id" = "contacts"."id" AND "e"."event" = 'Purchase' AND CASE WHEN jsonb_typeof(("e"."properties" -> 'currency')) = 'string' THEN ("e"."properties" ->> 'currency') END IN ('EUR', 'US"D'))`,
    });
    expectSql('performed "Purchase" where currency != "EUR"', {
      duckdb: `EXISTS (SELECT 1 FROM "events" AS "e" WHERE "e"."contact_id" = "contacts"."id" AND "e"."event" = 'Purchase' AND COALESCE(json_extract("e"."properties", '/currency') <> '"EUR"', TRUE))`,
    });
  });
  it("aggregates and first/last time: HAVING on the group (empty aggregate: no row, so false)", () => {
    expectSql('performed "Purchase" with sum of amount > 100', {
      sqlite: `"contacts"."id" IN (SELECT "e"."contact_id" FROM "events" AS "e" WHERE "e"."event" = 'Purchase' GROUP BY "e"."contact_id" HAVING SUM(CASE WHEN json_type("e"."properties", '$."amount"') IN ('integer', 'real') THEN json_extract("e"."properties", '$."amount"') END) > 100)`,
    });
    expectSql('not (performed "Refund" with last time after 2024-01-01)', {
      postgres: `NOT EXISTS (SELECT 1 FROM (SELECT "e"."contact_id" FROM "events" AS "e" WHERE "e"."event" = 'Refund' GROUP BY "e"."contact_id" HAVING MAX("e"."occurred_at") > TIMESTAMPTZ '2024-01-01 00:00:00.000+00') AS "g" WHERE "g"."contact_id" = "contacts"."id")`,
    });
  });
  it("a schema without events cannot compile event conditions (the checker refuses them first)", () => {
    const noEvents = parseSchema(JSON.stringify({ table: "t", key: "id", fields: { id: { type: "string" } } }));
    expect(() => checkExpression('performed "X"', noEvents)).toThrow();
  });
});

describe("not: pushed down to the leaves (De Morgan), never NOT around three-valued SQL", () => {
  it("and/or/not", () => {
    expectSql('not (status = "Trial" and lifetime_value > 1000)', {
      postgres: `"status" IS NULL OR "status" <> 'Trial' OR "lifetime_value" IS NULL OR "lifetime_value" <= 1000`,
    });
    expectSql('not (status = "Trial" or not lifetime_value > 1000)', {
      postgres: `("status" IS NULL OR "status" <> 'Trial') AND "lifetime_value" > 1000`,
    });
    expectSql('(status = "Trial" and plan_type = "Pro") or lifetime_value > 1000', {
      duckdb: `("status" = 'Trial' AND "plan" = 'Pro') OR "lifetime_value" > 1000`,
    });
  });
  it("constants fold away", () => {
    expectSql('email = "" or tenure > 1', { postgres: `"tenure" > 1` });
    expectSql('email != "" and tenure > 1', { postgres: `"tenure" > 1` });
    expectSql('email = "" and tenure > 1', { postgres: "FALSE" });
  });
});

describe("forms", () => {
  const q = checkExpression('plan_type = "Pro"', crmSchema);
  it("select and count, identifiers quoted, the key first", () => {
    expect(compileSql(q, { dialect: "postgres", pretty: false }).sql).toBe(`SELECT "id" FROM "contacts" WHERE "plan" = 'Pro'`);
    expect(compileSql(q, { dialect: "mysql", form: "count", pretty: false }).sql).toBe(
      "SELECT COUNT(*) FROM `contacts` WHERE `plan` = 'Pro' AND CAST(`plan` AS BINARY) = CAST('Pro' AS BINARY)",
    );
  });
  it("a table alias qualifies correlated subqueries", () => {
    const e = checkExpression('performed "Login"', crmSchema);
    const sql = compileSql(e, { dialect: "duckdb", tableAlias: "c", pretty: false }).sql;
    expect(sql).toBe(`SELECT "id" FROM "contacts" AS "c" WHERE EXISTS (SELECT 1 FROM "events" AS "e" WHERE "e"."contact_id" = "c"."id" AND "e"."event" = 'Login')`);
  });
  it("a table named like a subquery alias does not capture it", () => {
    const schema = parseSchema(JSON.stringify({ ...JSON.parse(JSON.stringify(rawCrm())), table: "e" }));
    const sql = compileSql(checkExpression('performed "Login"', schema), { dialect: "duckdb", form: "where", pretty: false }).sql;
    expect(sql).toBe(`EXISTS (SELECT 1 FROM "events" AS "e_1" WHERE "e_1"."contact_id" = "e"."id" AND "e_1"."event" = 'Login')`);
  });
  it("schema-qualified tables quote each part", () => {
    const schema = parseSchema(JSON.stringify({ ...rawCrm(), table: "analytics.contacts" }));
    expect(compileSql(checkExpression("tenure > 1", schema), { dialect: "bigquery", pretty: false }).sql).toBe("SELECT `id` FROM `analytics`.`contacts` WHERE `tenure` > 1");
  });
  it("formatted output, in the dialect's language", () => {
    expect(compileSql(q, { dialect: "postgres" }).sql).toBe(`SELECT\n  "id"\nFROM\n  "contacts"\nWHERE\n  "plan" = 'Pro'`);
  });
  it("bad options are clear errors", () => {
    expect(() => compileSql(q, { dialect: "oracle" as never })).toThrow(/unknown dialect "oracle" \(expected one of duckdb, postgres, sqlite, mysql, bigquery, snowflake\)/);
    expect(() => compileSql(q, { dialect: "duckdb", form: "delete" as never })).toThrow(SqlCompileError);
    expect(() => compileSql(q, { dialect: "duckdb", now: "yesterday" })).toThrow(/'now' is not a valid instant: yesterday/);
  });
});

describe("parameters", () => {
  const expr = 'plan_type = "Pro" and lifetime_value > 1000 and email contains "Xq7" and tags has any ("t1", "t2") and signed_up_at within last 30 days and is_verified = false and (performed "Purchase" at least 2 times)';
  const q = checkExpression(expr, crmSchema);
  it("placeholders per dialect, values in order, none of them in the text", () => {
    const seen: Record<string, unknown> = {};
    for (const dialect of DIALECT_NAMES) {
      const { sql, params } = compileSql(q, { dialect, params: true, pretty: false });
      seen[dialect] = params;
      for (const v of ["Pro", "1000", "q7", "t1", "t2", "30", "Purchase", "= 2", ">= 2", "FALSE"]) expect(sql, `${dialect}: ${v}`).not.toContain(v);
    }
    expect(seen["postgres"]).toEqual(["Pro", 1000, "%xq7%", "t1", "t2", 30, false, "Purchase", 2]);
    expect(seen["sqlite"]).toEqual(["Pro", 1000, "xq7", "t1", "t2", 30, 0, "Purchase", 2]);
    expect(seen["mysql"]).toEqual(["Pro", "Pro", 1000, "%xq7%", "t1", "t2", 30, false, "Purchase", "Purchase", 2]);
    expect(seen["bigquery"]).toEqual({ p1: "Pro", p2: 1000, p3: "xq7", p4: "t1", p5: "t2", p6: 30, p7: false, p8: "Purchase", p9: 2 });
  });
  it("placeholder styles", () => {
    const one = checkExpression("tenure > 1 and tenure < 5", crmSchema);
    const where = (d: (typeof DIALECT_NAMES)[number]) => compileSql(one, { dialect: d, params: true, form: "where", pretty: false }).sql;
    expect(where("duckdb")).toBe(`"tenure" > $1 AND "tenure" < $2`);
    expect(where("postgres")).toBe(`"tenure" > $1 AND "tenure" < $2`);
    expect(where("sqlite")).toBe(`"tenure" > ? AND "tenure" < ?`);
    expect(where("mysql")).toBe("`tenure` > ? AND `tenure` < ?");
    expect(where("bigquery")).toBe("`tenure` > @p1 AND `tenure` < @p2");
    expect(where("snowflake")).toBe(`"tenure" > :1 AND "tenure" < :2`);
  });
  it("instants are bound as text and cast", () => {
    const t = checkExpression("signed_up_at before 2024-01-01T10:00:00Z and birthday after 2024-02-01", crmSchema);
    const pg = compileSql(t, { dialect: "postgres", params: true, form: "where", pretty: false });
    expect(pg).toEqual({ sql: `"signed_up_at" < CAST($1 AS timestamptz) AND "birthday" > CAST($2 AS DATE)`, params: ["2024-01-01T10:00:00.000Z", "2024-02-01"] });
    const duck = compileSql(t, { dialect: "duckdb", params: true, form: "where", pretty: false });
    expect(duck.params).toEqual(["2024-01-01 10:00:00.000", "2024-02-01"]);
  });
  it("values dropped by constant folding are not bound", () => {
    const c = checkExpression('email = "" and tenure > 1 or tenure < 0', crmSchema);
    expect(compileSql(c, { dialect: "postgres", params: true, form: "where", pretty: false })).toEqual({ sql: `"tenure" < $1`, params: [0] });
  });
  it("too many parameters for the engine: a clear error", () => {
    const values = Array.from({ length: 9000 }, (_, i) => i);
    const big = checkExpression(`tenure in (${values.join(", ")}) or lifetime_value in (${values.join(", ")}) or count in (${values.join(", ")}) or tenure in (${values.map((v) => v + 0.5).join(", ")})`, crmSchema);
    expect(() => compileSql(big, { dialect: "sqlite", params: true })).toThrow(
      /the query needs 36000 parameters, more than the 32766 sqlite accepts in one statement: compile without params, or use shorter value lists/,
    );
    expect(compileSql(big, { dialect: "postgres", params: true }).params).toHaveLength(36000);
    expect(() => compileSql(big, { dialect: "bigquery", params: true })).toThrow(/more than the 10000 bigquery accepts/);
  });
});

describe("storage overrides", () => {
  const withStorage = (field: string, storage: Record<string, string>) => {
    const raw = rawCrm();
    (raw.fields as Record<string, Record<string, unknown>>)[field]!["storage"] = storage;
    return parseSchema(JSON.stringify(raw));
  };
  it("timestamps: naive (UTC wall clock) or zoned per dialect", () => {
    const s = withStorage("signed_up_at", { postgres: "timestamp", duckdb: "TIMESTAMPTZ", bigquery: "DATETIME", snowflake: "TIMESTAMP_NTZ" });
    expectSql(
      "signed_up_at before 2024-01-01",
      {
        postgres: `"signed_up_at" < TIMESTAMP '2024-01-01 00:00:00.000'`,
        duckdb: `"signed_up_at" < TIMESTAMPTZ '2024-01-01 00:00:00.000+00'`,
        bigquery: "`signed_up_at` < DATETIME '2024-01-01 00:00:00.000'",
        snowflake: `"signed_up_at" < TO_TIMESTAMP_NTZ('2024-01-01 00:00:00.000')`,
      },
      { schema: s },
    );
    expectSql(
      "signed_up_at within last 1 day",
      {
        postgres: `"signed_up_at" BETWEEN (date_trunc('milliseconds', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') - INTERVAL '1 day') AND date_trunc('milliseconds', CURRENT_TIMESTAMP AT TIME ZONE 'UTC')`,
        duckdb: `"signed_up_at" BETWEEN timezone('UTC', timezone('UTC', date_trunc('millisecond', current_timestamp)) - INTERVAL 1 DAY) AND date_trunc('millisecond', current_timestamp)`,
      },
      { schema: s },
    );
  });
  it("lists stored as JSON", () => {
    const s = withStorage("tags", { postgres: "jsonb", duckdb: "JSON" });
    expectSql('tags has any ("a", "b")', { postgres: `"tags" ?| ARRAY['a', 'b']::text[]`, duckdb: `list_has_any(CAST("tags" AS VARCHAR[]), ['a', 'b'])` }, { schema: s });
  });
  it("an unsupported storage is a clear error", () => {
    const s = withStorage("signed_up_at", { postgres: "bigint" });
    expect(() => compileSql(checkExpression("signed_up_at before 2024-01-01", s), { dialect: "postgres" })).toThrow(
      'field "signed_up_at": unsupported postgres storage "bigint" for a timestamp (supported: timestamptz (default), timestamp (holding UTC))',
    );
    // Other dialects are unaffected.
    expect(() => compileSql(checkExpression("signed_up_at before 2024-01-01", s), { dialect: "duckdb" })).not.toThrow();
  });
});

function rawCrm(): { table: string; key: string; fields: Record<string, unknown>; events?: unknown } {
  return JSON.parse(JSON.stringify({
    table: crmSchema.table,
    key: crmSchema.key,
    fields: Object.fromEntries(Object.values(crmSchema.fields).map((f) => [f.name, { type: f.type, column: f.column, ...(f.values ? { values: f.values } : {}) }])),
    events: {
      table: "events",
      contact_key: "contact_id",
      name: "event",
      time: "occurred_at",
      properties: { amount: { type: "number" }, currency: { type: "string" }, sku: { type: "string", column: "sku" } },
      names: ["Purchase", "Refund", "Login", "Page View"],
    },
  }));
}
