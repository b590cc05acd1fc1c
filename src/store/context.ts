/**
 * What every store operation shares: the adapter, the schema and its physical columns, the clock, and the
 * caches (parsed expressions by segment version; checks by catalog signature; the re-evaluation plan).
 */
import type { Schema } from "../schema/schema.js";
import { quoteIdent, quoteTable, num, type SqlAdapter, type SqlRunner, type Row } from "./adapter.js";
import type { EvaluationPlan } from "./membership.js";
import { Catalog, ParseCache, type Checked, type Entry, type SegmentRow } from "./catalog.js";
import { InvalidInputError } from "./errors.js";
import { contactColumns, eventColumns, type ColumnPlan, type Physical } from "./physical.js";
import type { SegmentKind } from "./types.js";

/** The shared state of one open store. */
export class Ctx {
  readonly contactCols: ColumnPlan[];
  readonly eventCols: ColumnPlan[];
  /** Quoted contacts table, key column, events table (null without events). */
  readonly table: string;
  readonly key: string;
  readonly eventsTable: string | null;
  readonly parseCache = new ParseCache();
  private checks = new Map<string, Checked>();
  private checksOf = "";
  /** The re-evaluation plan of upserts and event appends (see `evaluationPlan`), rebuilt when a segment changes. */
  plan: EvaluationPlan | null = null;

  constructor(
    readonly adapter: SqlAdapter,
    readonly physical: Physical,
    readonly schema: Schema,
    readonly clock: () => number,
  ) {
    this.contactCols = contactColumns(schema, adapter.kind);
    this.eventCols = eventColumns(schema, adapter.kind);
    this.table = quoteTable(schema.table);
    this.key = quoteIdent(schema.key);
    this.eventsTable = schema.events ? quoteTable(schema.events.table) : null;
  }

  /**
   * `ORDER BY` for contacts (as `alias`) by a schema field (default the key), empties last, then by key.
   * Text sorts by code, as on DuckDB and as segment names do, not by the database's locale (a PostgreSQL
   * made with en_US put "United" before "USA"); strings and enums are text columns on both engines, and a
   * sort by them needs a sort step anyway, so no index order is lost (the key's order keeps its index).
   */
  orderBy(field: string | undefined, descending: boolean | undefined, alias: string): string {
    const dir = descending ? "DESC" : "ASC";
    const key = `${alias}.${this.key}`;
    if (field === undefined || field === (this.contactCols[0]!.field?.name ?? this.schema.key)) return `${key} ${dir}`;
    const col = this.contactCols.find((c) => c.field?.name === field) ?? this.contactCols.find((c) => c.field?.name.toLowerCase() === field.toLowerCase());
    if (!col) throw new InvalidInputError([{ path: "orderBy", message: `unknown field ${JSON.stringify(field)}` }]);
    const collate = col.field?.type === "string" || col.field?.type === "enum" ? ' COLLATE "C"' : "";
    return `${alias}.${quoteIdent(col.name)}${collate} ${dir} NULLS LAST, ${key} ASC`;
  }

  /** The saved segments, as of `tx`. */
  async catalog(tx: SqlRunner): Promise<Catalog> {
    const rows = await tx.query("SELECT * FROM segql_segments ORDER BY id");
    return new Catalog(this.schema, rows.map(segmentRow), this.parseCache);
  }

  /** A saved dynamic segment's check (cached while no segment changes). */
  checkSaved(catalog: Catalog, e: Entry): Checked {
    if (this.checksOf !== catalog.signature) {
      this.checks = new Map();
      this.checksOf = catalog.signature;
    }
    let c = this.checks.get(`${e.row.id}`);
    if (!c) {
      c = catalog.checkSaved(e);
      this.checks.set(`${e.row.id}`, c);
    }
    return c;
  }

  /** The relation holding a static segment's members, for `compileSql`'s `segmentSource` (quoted for `quote`). */
  staticSource(catalog: Catalog, quote: (name: string) => string = quoteIdent): (name: string) => string | null {
    return (name) => {
      const e = catalog.byName.get(name);
      if (!e || e.row.kind !== "static") return null;
      // The id is a number the store allocated (not user text).
      return `(SELECT contact_key AS ${quote(this.schema.key)} FROM segql_static_members WHERE segment_id = ${Math.trunc(e.row.id)})`;
    };
  }
}

/** A `segql_segments` row → `SegmentRow`. */
export function segmentRow(r: Row): SegmentRow {
  return {
    id: num(r["id"]),
    name: String(r["name"]),
    description: String(r["description"] ?? ""),
    kind: String(r["kind"]) as SegmentKind,
    expression: r["expression"] === null || r["expression"] === undefined ? null : String(r["expression"]),
    version: num(r["version"]),
    createdAt: num(r["created_at"]),
    createdBy: r["created_by"] === null || r["created_by"] === undefined ? null : String(r["created_by"]),
    updatedAt: num(r["updated_at"]),
    updatedBy: r["updated_by"] === null || r["updated_by"] === undefined ? null : String(r["updated_by"]),
    refreshedAt: r["refreshed_at"] === null || r["refreshed_at"] === undefined ? null : num(r["refreshed_at"]),
    memberCount: num(r["member_count"]),
    refreshFailedAt: r["refresh_failed_at"] === null || r["refresh_failed_at"] === undefined ? null : num(r["refresh_failed_at"]),
    refreshError: r["refresh_error"] === null || r["refresh_error"] === undefined ? null : String(r["refresh_error"]),
  };
}

/** Epoch ms → ISO text. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
