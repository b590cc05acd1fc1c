/**
 * Evaluating without saving: `preview` (count, first page, SQL, per-condition counts and the impact of an
 * edit, all computed in the database: one scan for the counts) and `why` (the predicate compiler's
 * `explain` on one contact's stored row and events).
 */
import { explain, subConditions, type ExplainNode, type SubCondition } from "../compiler/predicate/explain.js";
import { compileSql, DIALECTS } from "../compiler/sql/index.js";
import type { DialectName } from "../compiler/sql/dialect.js";
import type { TypedExpr, TypedQuery } from "../checker/typed-ast.js";
import type { Span } from "../diagnostics.js";
import { quoteString } from "../parser/format.js";
import { num, type SqlRunner } from "./adapter.js";
import { diffSegments, writtenExtent, type DiffOptions, type SegmentDiff } from "../analysis/index.js";
import { Catalog, namingStaticSegments, STATIC_FIELD, type Checked, type Entry } from "./catalog.js";
import { iso, type Ctx } from "./context.js";
import { InvalidExpressionError, InvalidInputError, NotFoundError } from "./errors.js";
import { loadContacts, loadEvents } from "./membership.js";
import type { ConditionCount, ConditionTarget, Impact, Preview, PreviewOptions, SegmentId, Why } from "./types.js";
import { decodeContact } from "./values.js";

/** The alias of the contacts table in preview queries. */
const ALIAS = "c";

type EntryOf = (catalog: Catalog, id: SegmentId) => Entry;

/** See `Store.preview`. */
export async function preview(ctx: Ctx, tx: SqlRunner, catalog: Catalog, expression: string, options: PreviewOptions, entryOf: EntryOf): Promise<Preview> {
  const limit = intOption(options.limit, 20, 0, 1000, "limit");
  const impactKeys = intOption(options.impactKeys, 20, 0, 1000, "impactKeys");
  const dialect = options.dialect ?? ctx.adapter.kind;
  if (!Object.hasOwn(DIALECTS, dialect)) throw new InvalidInputError([{ path: "dialect", message: `unknown dialect ${JSON.stringify(dialect)} (expected one of ${Object.keys(DIALECTS).join(", ")})` }]);
  const seg = options.segmentId !== undefined ? entryOf(catalog, options.segmentId) : null;
  const checked = catalog.check(expression, seg ? { name: seg.row.name, id: seg.row.id } : undefined);
  if (!checked.typed) throw new InvalidExpressionError(expression, checked.diagnostics);
  const now = ctx.clock();
  const where = whereOf(ctx, catalog, now);

  const subs = options.conditionCounts === false ? subConditions(checked.typed).slice(0, 1) : subConditions(checked.typed);
  const counts: Record<string, unknown> = {};
  for (const sql of countsQueries(ctx, subs, where)) Object.assign(counts, (await tx.query(sql))[0] ?? {});
  const conditions: ConditionCount[] = subs.map((s, i) => ({
    index: s.index,
    parent: s.parent,
    span: s.span,
    text: conditionText(expression, s.span),
    label: s.label,
    kind: s.kind,
    depth: s.depth,
    count: num(counts[`n${i}`] ?? 0),
  }));
  const root = where(checked.typed);
  const order = ctx.orderBy(options.orderBy, options.descending, ALIAS);
  const page = limit === 0 ? [] : await tx.query(`SELECT ${ALIAS}.* FROM ${ctx.table} AS ${ALIAS} WHERE ${root} ORDER BY ${order} LIMIT ${limit}`);

  const shownDialect = DIALECTS[dialect as DialectName];
  const sql = compileSql(
    { schema: ctx.schema, expr: checked.typed },
    { dialect: dialect as DialectName, form: "select", segmentSource: ctx.staticSource(catalog, (n) => shownDialect.quoteIdent(n)) },
  ).sql;

  let impact: Impact | null = null;
  if (seg && seg.row.kind === "dynamic") impact = await impactOf(ctx, tx, seg.row.id, root, impactKeys);
  return {
    count: conditions[0]?.count ?? 0,
    contacts: page.map((r) => decodeContact(r, ctx.schema, ctx.contactCols)),
    sql: { dialect: dialect as DialectName, text: sql },
    conditions: options.conditionCounts === false ? [] : conditions,
    impact,
    now: iso(now),
  };
}

/**
 * One scan counting every sub-condition: the leaves (rules, event conditions, segment references) are
 * computed once per contact as boolean columns of an inner query, and each `and` / `or` / `not` combines
 * its children's columns. A leaf's NULL (an engine's unknown) counts as false, as in a WHERE clause, so
 * `not` is `IS NOT TRUE`: the exact complement the language defines. Evaluating each node's own SQL
 * instead repeats every leaf once per ancestor (measured: ~40% more CPU for P3 of bench/segments).
 * The combinations are built bottom-up in a loop (no recursion on the expression's depth). On PostgreSQL,
 * a condition with more leaves or sub-conditions than a SELECT may list is counted by `countsInParts`.
 */
function countsQueries(ctx: Ctx, subs: readonly SubCondition[], where: (expr: TypedExpr) => string): string[] {
  // The count alone (`conditionCounts: false`): a WHERE clause, whose conjuncts the engine can push into the scan.
  if (subs.length === 1) return [`SELECT COUNT(*) AS n0 FROM ${ctx.table} AS ${ALIAS} WHERE ${where(subs[0]!.node)}`];
  const children = new Map<number, number[]>();
  for (const s of subs) if (s.parent !== null) children.set(s.parent, [...(children.get(s.parent) ?? []), s.index]);
  const leaves: string[] = [];
  const leafColumn = new Map<string, number>();
  const combined: string[] = new Array<string>(subs.length);
  // Children come after their parents in `subs`, so a reverse pass sees every child first.
  for (let i = subs.length - 1; i >= 0; i--) {
    const s = subs[i]!;
    const kids = children.get(i) ?? [];
    if (kids.length === 0) {
      const sql = where(s.node);
      let col = leafColumn.get(sql);
      if (col === undefined) {
        col = leaves.length;
        leaves.push(sql);
        leafColumn.set(sql, col);
      }
      combined[i] = `t.b${col}`;
    } else if (s.kind === "not") {
      combined[i] = `(${combined[kids[0]!]}) IS NOT TRUE`;
    } else {
      combined[i] = kids.map((k) => `(${combined[k]})`).join(s.kind === "and" ? " AND " : " OR ");
    }
  }
  if (Math.max(leaves.length, subs.length) > ctx.adapter.maxSelectColumns) return countsInParts(ctx, subs, where);
  const inner = leaves.map((sql, j) => `(${sql}) AS b${j}`).join(", ");
  const sums = combined.map((c, i) => `SUM(CASE WHEN ${c} THEN 1 ELSE 0 END) AS n${i}`).join(", ");
  return [`SELECT ${sums} FROM (SELECT ${inner} FROM ${ctx.table} AS ${ALIAS}) AS t`];
}

/** SQL text of one statement of `countsInParts` before the next one starts. */
const MAX_PART_SQL = 1_000_000;

/**
 * The counts past the adapter's `maxSelectColumns` (PostgreSQL's limit, which the one scan's leaf columns or
 * sums pass from about 550 rules on): each sub-condition's own WHERE SQL in a sum, over as many scans as
 * it takes to keep each statement within the column limit and `MAX_PART_SQL`. Slower than the one scan
 * (leaves are evaluated once per ancestor, and the table is read once per statement), and only for
 * conditions of hundreds of rules. The same counts: each sum is the sub-condition's WHERE, as `count` is.
 */
function countsInParts(ctx: Ctx, subs: readonly SubCondition[], where: (expr: TypedExpr) => string): string[] {
  const statements: string[] = [];
  let sums: string[] = [];
  let size = 0;
  const maxColumns = ctx.adapter.maxSelectColumns;
  const flush = () => {
    if (sums.length > 0) statements.push(`SELECT ${sums.join(", ")} FROM ${ctx.table} AS ${ALIAS}`);
    sums = [];
    size = 0;
  };
  subs.forEach((s, i) => {
    const sum = `SUM(CASE WHEN ${where(s.node)} THEN 1 ELSE 0 END) AS n${i}`;
    if (sums.length >= maxColumns || (sums.length > 0 && size + sum.length > MAX_PART_SQL)) flush();
    sums.push(sum);
    size += sum.length;
  });
  flush();
  return statements;
}

/** Who would enter and leave segment `id` if `root` (a condition on alias `c`) were its expression. */
async function impactOf(ctx: Ctx, tx: SqlRunner, id: number, root: string, n: number): Promise<Impact> {
  const t = `SELECT ${ALIAS}.${ctx.key} AS k, CASE WHEN ${root} THEN 1 ELSE 0 END AS now_in, CASE WHEN m.contact_key IS NULL THEN 0 ELSE 1 END AS was_in
             FROM ${ctx.table} AS ${ALIAS} LEFT JOIN segql_memberships AS m ON m.segment_id = $1 AND m.contact_key = ${ALIAS}.${ctx.key}`;
  const sums = (
    await tx.query(
      `SELECT SUM(CASE WHEN now_in = 1 AND was_in = 0 THEN 1 ELSE 0 END) AS entering, SUM(CASE WHEN now_in = 0 AND was_in = 1 THEN 1 ELSE 0 END) AS leaving,
              SUM(was_in) AS before, SUM(now_in) AS after FROM (${t}) AS t`,
      [id],
    )
  )[0] ?? {};
  const keys = async (nowIn: number) =>
    n === 0 ? [] : (await tx.query(`SELECT k FROM (${t}) AS t WHERE now_in = ${nowIn} AND was_in = ${1 - nowIn} ORDER BY k LIMIT ${n}`, [id])).map((r) => String(r["k"]));
  return {
    segmentId: id,
    entering: num(sums["entering"] ?? 0),
    leaving: num(sums["leaving"] ?? 0),
    before: num(sums["before"] ?? 0),
    after: num(sums["after"] ?? 0),
    enteringKeys: await keys(1),
    leavingKeys: await keys(0),
  };
}

/** SQL of a condition on the contacts table aliased `c` (values as the compiler's escaped literals). */
function whereOf(ctx: Ctx, catalog: Catalog, now: number): (expr: TypedExpr) => string {
  const segmentSource = ctx.staticSource(catalog);
  return (expr) => compileSql({ schema: ctx.schema, expr }, { dialect: ctx.adapter.kind, form: "where", now, tableAlias: ALIAS, segmentSource, pretty: false }).sql;
}

/** See `Store.typedCondition`: as `why` reads its target (a static segment is its membership). */
export async function typedCondition(ctx: Ctx, tx: SqlRunner, catalog: Catalog, target: ConditionTarget, entryOf: EntryOf): Promise<TypedQuery> {
  if ("expression" in target) return { schema: ctx.schema, expr: typedOrThrow(target.expression, catalog.check(target.expression)) };
  const e = entryOf(catalog, target.segmentId);
  const today = e.row.kind === "static" ? `in segment ${quoteString(e.row.name)}` : null;
  if (target.version === undefined || target.version === e.row.version) {
    return { schema: ctx.schema, expr: typedOrThrow(e.row.expression ?? "", today !== null ? catalog.check(today) : ctx.checkSaved(catalog, e)) };
  }
  // A static list's members are not versioned: a static version of a segment that is static today means
  // today's list (a segment converts from dynamic to static, never back).
  const text = (await savedExpression(tx, e, target.version)) ?? today;
  if (text === null) throw new InvalidInputError([{ path: "version", message: `version ${target.version} of segment #${e.row.id} was a static list, whose members then are not kept` }]);
  return { schema: ctx.schema, expr: typedOrThrow(text, catalog.check(text)) };
}

/**
 * See `Store.diff`: both sides read in one snapshot; the static segments they read are reasoned about as
 * a hidden list field, written back as `in segment "Name"`.
 */
export async function diffConditions(ctx: Ctx, tx: SqlRunner, catalog: Catalog, old: ConditionTarget, next: ConditionTarget, options: DiffOptions, entryOf: EntryOf): Promise<SegmentDiff> {
  const before = await typedCondition(ctx, tx, catalog, old, entryOf);
  const after = await typedCondition(ctx, tx, catalog, next, entryOf);
  const diff = diffSegments(before, after, options);
  for (const side of [diff.enters, diff.leaves]) {
    if (side.condition === null || side.everybody) continue;
    const named = namingStaticSegments(side.condition, (id) => catalog.byId.get(id)?.row.name);
    if (named === null) throw new InvalidInputError([{ path: "", message: "who moves cannot be written with the static segments these versions read (it depends on being in no static segment at all)" }]);
    side.condition = named;
  }
  return diff;
}

/** The expression version `version` of a saved segment saved (null: a static list); `NotFoundError` when it never had it. */
async function savedExpression(tx: SqlRunner, e: Entry, version: number): Promise<string | null> {
  const rows = await tx.query("SELECT expression FROM segql_segment_versions WHERE segment_id = $1 AND version = $2", [e.row.id, version]);
  const row = rows[0];
  if (!row) throw new NotFoundError("version", version, `segment #${e.row.id} (${JSON.stringify(e.row.name)}) has no version ${version} (its versions are 1-${e.row.version})`);
  const expression = row["expression"];
  return expression === null || expression === undefined ? null : String(expression);
}

function typedOrThrow(text: string, checked: Checked): TypedExpr {
  if (!checked.typed) throw new InvalidExpressionError(text, checked.diagnostics);
  return checked.typed;
}

/** See `Store.why`. */
export async function why(ctx: Ctx, tx: SqlRunner, catalog: Catalog, target: { segmentId: SegmentId } | { expression: string }, key: string, entryOf: EntryOf): Promise<Why> {
  // A static segment is explained as its membership.
  const query = await typedCondition(ctx, tx, catalog, target, entryOf);
  const segment = "segmentId" in target ? Catalog.summary(entryOf(catalog, target.segmentId)) : null;
  const values = (await loadContacts(ctx, tx, [key])).get(key);
  if (!values) throw new NotFoundError("contact", key);
  const events = (await loadEvents(ctx, tx, [key])).get(key) ?? [];
  const statics = await tx.query("SELECT segment_id FROM segql_static_members WHERE contact_key = $1", [key]);
  const contact = { ...values, [STATIC_FIELD]: statics.map((r) => String(num(r["segment_id"]))) };
  const now = ctx.clock();
  const explanation = explain(query, contact, events, { now });
  return { key, matches: explanation.value, root: withoutStaticTests(explanation.root), now: explanation.now, segment };
}

/** Drops the hidden membership test under references to static segments (their value is the membership). */
function withoutStaticTests(root: ExplainNode): ExplainNode {
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind === "segment" && n.children.length === 1 && n.children[0]!.read?.kind === "field" && n.children[0]!.read.field === STATIC_FIELD) n.children = [];
    stack.push(...n.children);
  }
  return root;
}

function intOption(v: unknown, fallback: number, min: number, max: number, path: string): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw new InvalidInputError([{ path, message: `expected an integer from ${min} to ${max}` }]);
  return v;
}

/**
 * A sub-condition's text as written. A node's span runs from its first token to its last, and the parser
 * drops parentheses, so `(a or b) and c`'s `and` spans `a or b) and c`: the span is grown to balanced
 * parentheses (and the pairs wrapping it alone), as the analysis quotes parts.
 */
function conditionText(expression: string, span: Span): string {
  const grown = writtenExtent(expression, span);
  return expression.slice(grown?.start ?? span.start, grown?.end ?? span.end);
}
