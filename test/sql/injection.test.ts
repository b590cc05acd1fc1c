/**
 * Injection, as text, for every dialect: values holding quotes of every kind, backslashes, comment
 * starters, semicolons, NUL, line breaks and Unicode escapes.
 * - With literals, the value appears as exactly one literal that re-parses (by the dialect's own rules,
 *   implemented here independently) to the same string, and the rest of the statement is the same as
 *   for a harmless value: the value cannot change the statement's structure.
 * - With parameters, the value never appears in the text, and is bound as is.
 * - Names (columns, tables) are always quoted and round-trip the same way.
 * Executing these on the engines is in test/sql/engines.test.ts (and the differential tests).
 */
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compileSql, DIALECTS, DIALECT_NAMES, SqlCompileError, type DialectName } from "../../src/compiler/sql/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { quoteString } from "../helpers/generators.js";
import { PAYLOADS } from "../helpers/sql-payloads.js";


const schema = parseSchema(
  JSON.stringify({
    table: "contacts",
    key: "id",
    fields: { id: { type: "string" }, email: { type: "string" }, tags: { type: "list" } },
    events: { table: "events", contact_key: "contact_id", name: "event", time: "occurred_at", properties: { note: { type: "string" } } },
  }),
);

/** Forms whose SQL has the same shape whatever the value: equality, lists, event names and properties. */
const SAME_SHAPE = [
  (v: string) => `email = ${v}`,
  (v: string) => `email != ${v}`,
  (v: string) => `email in (${v}, "z")`,
  (v: string) => `tags has any (${v}, "z")`,
  (v: string) => `performed ${v} where note = ${v}`,
];
/** LIKE patterns and needles: the shape may depend on the value (ESCAPE clause, folding), the literals may not escape. */
const PATTERNS = [(v: string) => `email contains ${v}`, (v: string) => `email not starts with ${v}`, (v: string) => `email ends with ${v}`];

describe("values, every dialect", () => {
  for (const dialect of DIALECT_NAMES) {
    const d = DIALECTS[dialect];
    it(`${dialect}: literals re-parse to the value and leave the statement's shape alone`, () => {
      const harmless = SAME_SHAPE.map((t) => skeleton(dialect, compileSql(checkExpression(t(quoteString("zq")), schema), { dialect, form: "where", pretty: false }).sql).text);
      for (const payload of PAYLOADS) {
        const lit = safeLiteral(dialect, payload);
        if (lit === null) continue; // PostgreSQL cannot hold NUL: tested below
        expect(unquote(dialect, lit), `${dialect} ${JSON.stringify(payload)} → ${lit}`).toBe(payload);
        for (const [k, template] of [...SAME_SHAPE, ...PATTERNS].entries()) {
          const text = template(quoteString(payload));
          const query = checkExpression(text, schema);
          const { sql, params } = compileSql(query, { dialect, form: "where", pretty: false });
          expect(params).toEqual(dialect === "bigquery" ? {} : []);
          const sk = skeleton(dialect, sql);
          if (k < SAME_SHAPE.length) {
            // Same statement as for a harmless value, up to the literals; the value's literal is among them.
            expect(sk.text, `${dialect}: ${text}\n${sql}`).toBe(harmless[k]);
            expect(sql.includes(lit), `${dialect}: ${text}\n${sql}`).toBe(true);
          } else {
            // Nothing of the value outside literals.
            expect(sk.text, `${dialect}: ${text}\n${sql}`).not.toMatch(/DROP|--|\/\*|;|OR '1|\$\$|\?|@p1|:1|\$1/);
          }
          // Formatting moves whitespace only: same literals in the same order, same text around them.
          const pretty = skeleton(dialect, compileSql(query, { dialect, form: "where" }).sql);
          expect(pretty.literals).toEqual(sk.literals);
          expect(pretty.text.replace(/\s+/g, "")).toBe(sk.text.replace(/\s+/g, ""));
        }
      }
    });

    it(`${dialect}: parameters keep every value out of the text`, () => {
      for (const payload of PAYLOADS) {
        if (!d.textHoldsNul && payload.includes("\u0000")) continue;
        const query = checkExpression(`email = ${quoteString(payload)} or tags has ${quoteString(payload)} or email contains ${quoteString(payload)}`, schema);
        const { sql, params } = compileSql(query, { dialect, form: "where", params: true, pretty: false });
        const values = Array.isArray(params) ? params : Object.values(params);
        expect(values.filter((v) => v === payload).length, `${dialect}: ${JSON.stringify(payload)}`).toBeGreaterThanOrEqual(2);
        const sk = skeleton(dialect, sql);
        for (const l of sk.literals) expect(["''", "'!'", "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", "'abcdefghijklmnopqrstuvwxyz'", "'text'", "'\u212A'", "'\u0130'", "'$[*]'", "'$'", "'STRING'"].includes(l) || /^'[A-Za-z]'$/.test(l), `${dialect}: literal ${l} in\n${sql}`).toBe(true);
      }
    });
  }

  it("PostgreSQL: text cannot hold NUL, so a test against such a value is a constant (nothing is sent)", () => {
    const q = (t: string) => compileSql(checkExpression(t, schema), { dialect: "postgres", form: "where", pretty: false }).sql;
    expect(q('email = "a\\u0000b"')).toBe("FALSE");
    expect(q('email != "a\\u0000b"')).toBe("TRUE");
    expect(q('email in ("a\\u0000b", "c")')).toBe(`"email" = 'c'`);
    expect(q('email contains "\\u0000"')).toBe("FALSE");
    expect(q('tags has all ("a", "\\u0000")')).toBe("FALSE");
  });
});

describe("names, every dialect", () => {
  const NAMES = ['we"ird', "we`ird", "it's", "semi;colon", "dash--dash", "sp ace", "ünï", "back\\slash", "new\nline", "x/*y"];
  for (const dialect of DIALECT_NAMES) {
    it(`${dialect}: identifiers are quoted and round-trip, or refused with a clear error`, () => {
      for (const name of NAMES) {
        let quoted: string;
        try {
          quoted = DIALECTS[dialect].quoteIdent(name);
        } catch (e) {
          expect(e).toBeInstanceOf(SqlCompileError);
          expect(dialect).toBe("bigquery");
          expect((e as Error).message).toMatch(/cannot be quoted for BigQuery/);
          continue;
        }
        expect(unquoteIdent(dialect, quoted), `${dialect} ${JSON.stringify(name)}`).toBe(name);
        const s = parseSchema(JSON.stringify({ table: "t", key: "id", fields: { id: { type: "string" }, f: { type: "number", column: name } } }));
        const { sql } = compileSql(checkExpression("f > 1", s), { dialect, form: "where", pretty: false });
        expect(sql).toBe(`${quoted} > 1`);
      }
    });
  }
  it("NUL cannot be quoted anywhere", () => {
    for (const d of DIALECT_NAMES) expect(() => DIALECTS[d].quoteIdent("a\u0000b")).toThrow(SqlCompileError);
  });
});

// ---- independent re-parsers of each dialect's literal syntax --------------------------------------------------

/** The dialect's literal for a value, or null where the engine cannot hold it. */
function safeLiteral(dialect: DialectName, value: string): string | null {
  try {
    return DIALECTS[dialect].stringLiteral(value);
  } catch (e) {
    if (dialect === "postgres" && value.includes("\u0000")) return null;
    throw e;
  }
}

/** Reads one string literal expression (possibly a concatenation with chr(0)/char(0)) back into its value. */
function unquote(dialect: DialectName, lit: string): string {
  if (lit.startsWith("(") && lit.endsWith(")")) {
    // duckdb / sqlite: ('a' || chr(0) || 'b')
    const nul = dialect === "duckdb" ? "chr(0)" : "char(0)";
    return splitConcat(lit.slice(1, -1)).map((p) => (p === nul ? "\u0000" : unquote(dialect, p))).join("");
  }
  if (dialect === "mysql") {
    // Read the same in every sql_mode: UTF-8 bytes in hex, or a quoted body without backslashes.
    const hex = /^_utf8mb4 X'((?:[0-9A-F]{2})*)'$/.exec(lit);
    if (hex) return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(hex[1]!, "hex"));
    expect(lit, "a MySQL literal whose meaning depends on NO_BACKSLASH_ESCAPES").not.toContain("\\");
  }
  const escapes = dialect === "bigquery" || dialect === "snowflake" || lit.startsWith("E'");
  const body = lit.startsWith("E'") ? lit.slice(2, -1) : lit.slice(1, -1);
  expect(lit.endsWith("'")).toBe(true);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") {
      // Inside the body a quote must be doubled (or escaped, handled below).
      expect(body[i + 1], `lone quote in ${lit}`).toBe("'");
      out += "'";
      i++;
    } else if (c === "\\" && escapes) {
      const n = body[++i]!;
      if (n === "x") {
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
      } else out += ({ n: "\n", r: "\r", t: "\t", "0": "\u0000" } as Record<string, string>)[n] ?? n;
    } else out += c;
  }
  return out;
}

function splitConcat(s: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === "'") {
      let j = i + 1;
      while (j < s.length && !(s[j] === "'" && s[j + 1] !== "'")) j += s[j] === "'" ? 2 : 1;
      parts.push(s.slice(i, j + 1));
      i = j + 1;
    } else {
      const m = /^(chr\(0\)|char\(0\))/.exec(s.slice(i));
      expect(m, `unexpected text in ${s} at ${i}`).not.toBeNull();
      parts.push(m![1]!);
      i += m![1]!.length;
    }
    const sep = /^ \|\| /.exec(s.slice(i));
    if (sep) i += sep[0].length;
  }
  return parts;
}

function unquoteIdent(dialect: DialectName, q: string): string {
  const quote = dialect === "mysql" || dialect === "bigquery" ? "`" : '"';
  expect(q.startsWith(quote) && q.endsWith(quote)).toBe(true);
  const body = q.slice(1, -1);
  if (dialect === "bigquery") {
    expect(body).not.toMatch(/[`\\]/);
    return body;
  }
  expect(body.replace(new RegExp(quote + quote, "g"), "")).not.toContain(quote);
  return body.split(quote + quote).join(quote);
}

/**
 * The statement with every string literal replaced by `<lit>` (and NUL concatenations collapsed), by the
 * dialect's own tokenizing rules. Two statements with equal skeletons differ only in literal values.
 */
function skeleton(dialect: DialectName, sql: string): { text: string; literals: string[] } {
  if (dialect !== "mysql") return tokenizeLiterals(sql, dialect, dialect === "bigquery" || dialect === "snowflake");
  // MySQL reads `\` as an escape unless sql_mode has NO_BACKSLASH_ESCAPES: the statement must read the same
  // either way.
  const withEscapes = tokenizeLiterals(sql, dialect, true);
  expect(tokenizeLiterals(sql, dialect, false), `MySQL statement read differently under NO_BACKSLASH_ESCAPES:\n${sql}`).toEqual(withEscapes);
  return withEscapes;
}

function tokenizeLiterals(sql: string, dialect: DialectName, escapes: boolean): { text: string; literals: string[] } {
  const literals: string[] = [];
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    const hex = dialect === "mysql" && !/\w/.test(sql[i - 1] ?? " ") ? /^_utf8mb4 X'[0-9A-F]*'/.exec(sql.slice(i, i + 12 + 2 * 4096)) : null;
    if (hex) {
      literals.push(hex[0]);
      out += "<lit>";
      i += hex[0].length - 1;
      continue;
    }
    const eString = dialect === "postgres" && c === "E" && sql[i + 1] === "'" && !/\w/.test(sql[i - 1] ?? " ");
    if (c === "'" || eString) {
      const backslash = escapes || eString;
      let j = eString ? i + 2 : i + 1;
      for (;;) {
        if (j >= sql.length) throw new Error(`unterminated literal in ${sql}`);
        if (backslash && sql[j] === "\\") j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      literals.push(sql.slice(i, j + 1));
      out += "<lit>";
      i = j;
    } else if (c === '"' || c === "`") {
      const j = sql.indexOf(c, i + 1);
      out += sql.slice(i, j + 1);
      i = j;
    } else out += c;
  }
  const text = out.replace(/\(\s*(?:<lit>|(?:chr|char)\(0\))(?:\s*\|\|\s*(?:<lit>|(?:chr|char)\(0\)))*\s*\)/g, "<lit>");
  return { text, literals };
}
