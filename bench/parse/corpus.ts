/**
 * The parse benchmark's corpus: deterministic random conditions of 5-15 rules over the telco schema
 * (data/telco/schema.json), each written in segql and translated into the syntax of every peer, so all
 * parsers read the same conditions:
 * - jsep (JavaScript expressions): `&&`, `||`, `!`, `==`; segql-only tests become calls
 *   (`contains(customer_id, "7590")`, `includes(["a","b"], contract)`, `within_last(signed_up_at, 30, "days")`);
 * - CEL (@marcbachmann/cel-js): `&&`, `||`, `!`, `in [...]`, `.contains()`, `.startsWith()`,
 *   `timestamp("…")`, `now - duration("720h")`;
 * - SQL WHERE clauses (react-querybuilder's parseSQL): `AND`, `OR`, `NOT (…)`, `IN (…)`, `LIKE`,
 *   `BETWEEN`, `IS NOT NULL`.
 * Each condition is a tree of `and`/`or` groups (parenthesised where precedence needs it) with some `not`.
 */
import { mulberry32 as prng } from "../../src/data/random.js";

/** One condition in every syntax. */
export interface CorpusEntry {
  segql: string;
  jsep: string;
  cel: string;
  sql: string;
}

interface FieldInfo {
  type: string;
  values?: string[];
}

type Node =
  | { kind: "and" | "or"; operands: Node[] }
  | { kind: "not"; operand: Node }
  | { kind: "rule"; text: CorpusEntry };

const SERVICES = ["phone", "multiple_lines", "internet", "online_security", "online_backup", "device_protection", "tech_support", "streaming_tv", "streaming_movies"];

/** Builds `n` conditions of 5-15 rules each from `seed`. */
export function buildCorpus(fields: Record<string, FieldInfo>, n: number, seed = 20240601): CorpusEntry[] {
  const random = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const names = Object.keys(fields);
  const q = (s: string) => JSON.stringify(s);
  const sq = (s: string) => `'${s.replace(/'/g, "''")}'`;

  function rule(): CorpusEntry {
    const name = pick(names);
    const f = fields[name]!;
    switch (f.type) {
      case "enum": {
        const values = f.values!;
        const r = random();
        if (r < 0.5) {
          const v = pick(values);
          const ne = r < 0.15;
          return { segql: `${name} ${ne ? "!=" : "="} ${q(v)}`, jsep: `${name} ${ne ? "!=" : "=="} ${q(v)}`, cel: `${name} ${ne ? "!=" : "=="} ${q(v)}`, sql: `${name} ${ne ? "<>" : "="} ${sq(v)}` };
        }
        const vs = [...new Set(Array.from({ length: int(2, 3) }, () => pick(values)))];
        const not = r > 0.85;
        return {
          segql: `${name} ${not ? "not in" : "in"} (${vs.map(q).join(", ")})`,
          jsep: `${not ? "!" : ""}includes([${vs.map(q).join(", ")}], ${name})`,
          cel: `${not ? "!(" : ""}${name} in [${vs.map(q).join(", ")}]${not ? ")" : ""}`,
          sql: `${name} ${not ? "NOT IN" : "IN"} (${vs.map(sq).join(", ")})`,
        };
      }
      case "number": {
        const r = random();
        if (r < 0.25) {
          const lo = int(0, 50);
          const hi = lo + int(1, 40);
          return { segql: `${name} between ${lo} and ${hi}`, jsep: `(${name} >= ${lo} && ${name} <= ${hi})`, cel: `(${name} >= ${lo} && ${name} <= ${hi})`, sql: `${name} BETWEEN ${lo} AND ${hi}` };
        }
        const op = pick([">", ">=", "<", "<="]);
        const v = random() < 0.5 ? String(int(0, 72)) : `${int(18, 118)}.${int(10, 95)}`;
        return { segql: `${name} ${op} ${v}`, jsep: `${name} ${op} ${v}`, cel: `${name} ${op} ${v.includes(".") ? v : `${v}.0`}`, sql: `${name} ${op} ${v}` };
      }
      case "boolean": {
        const r = random();
        if (r < 0.4) return { segql: name, jsep: name, cel: name, sql: `${name} = TRUE` };
        if (r < 0.7) return { segql: `not ${name}`, jsep: `!${name}`, cel: `!${name}`, sql: `${name} = FALSE` };
        const v = random() < 0.5;
        return { segql: `${name} = ${v}`, jsep: `${name} == ${v}`, cel: `${name} == ${v}`, sql: `${name} = ${v ? "TRUE" : "FALSE"}` };
      }
      case "string": {
        const v = `${int(1000, 9999)}-${pick(["VHVEG", "GNVDE", "QPYBK", "CFOCW"]).slice(0, int(1, 5))}`;
        const r = random();
        if (r < 0.4) return { segql: `${name} contains ${q(v)}`, jsep: `contains(${name}, ${q(v)})`, cel: `${name}.contains(${q(v)})`, sql: `${name} LIKE ${sq(`%${v}%`)}` };
        if (r < 0.7) return { segql: `${name} starts with ${q(v)}`, jsep: `startsWith(${name}, ${q(v)})`, cel: `${name}.startsWith(${q(v)})`, sql: `${name} LIKE ${sq(`${v}%`)}` };
        return { segql: `${name} = ${q(v)}`, jsep: `${name} == ${q(v)}`, cel: `${name} == ${q(v)}`, sql: `${name} = ${sq(v)}` };
      }
      case "list": {
        if (random() < 0.5) {
          const v = pick(SERVICES);
          return { segql: `${name} has ${q(v)}`, jsep: `has(${name}, ${q(v)})`, cel: `${q(v)} in ${name}`, sql: `${name} = ${sq(v)}` };
        }
        const vs = [...new Set(Array.from({ length: int(2, 3) }, () => pick(SERVICES)))];
        return {
          segql: `${name} has any (${vs.map(q).join(", ")})`,
          jsep: `hasAny(${name}, [${vs.map(q).join(", ")}])`,
          cel: `${name}.exists(s, s in [${vs.map(q).join(", ")}])`,
          sql: `${name} IN (${vs.map(sq).join(", ")})`,
        };
      }
      case "timestamp": {
        const r = random();
        if (r < 0.35) {
          const n = int(1, 36);
          return { segql: `${name} within last ${n} months`, jsep: `within_last(${name}, ${n}, "months")`, cel: `${name} >= now - duration("${n * 720}h")`, sql: `${name} >= '2024-01-01'` };
        }
        if (r < 0.7) {
          const d = `20${int(20, 25)}-0${int(1, 9)}-1${int(0, 9)}`;
          return { segql: `${name} after ${d}`, jsep: `${name} > date(${q(d)})`, cel: `${name} > timestamp("${d}T00:00:00Z")`, sql: `${name} > ${sq(d)}` };
        }
        if (r < 0.85) {
          const n = int(1, 400);
          return { segql: `${name} before ${n} days ago`, jsep: `${name} < days_ago(${n})`, cel: `${name} < now - duration("${n * 24}h")`, sql: `${name} < '2023-06-01'` };
        }
        return { segql: `${name} is not empty`, jsep: `!is_empty(${name})`, cel: `has(c.${name})`, sql: `${name} IS NOT NULL` };
      }
      default:
        throw new Error(`unexpected field type ${f.type}`);
    }
  }

  /** A random tree with exactly `rules` leaves. */
  function tree(rules: number, depth: number): Node {
    if (rules === 1) return { kind: "rule", text: rule() };
    const parts = Math.min(rules, int(2, 4));
    const sizes = Array.from({ length: parts }, () => 1);
    for (let left = rules - parts; left > 0; left--) sizes[int(0, parts - 1)]!++;
    const kind = depth % 2 === 0 ? (random() < 0.7 ? "and" : "or") : random() < 0.7 ? "or" : "and";
    const node: Node = { kind, operands: sizes.map((s) => tree(s, depth + 1)) };
    return random() < 0.08 ? { kind: "not", operand: node } : node;
  }

  const out: CorpusEntry[] = [];
  for (let i = 0; i < n; i++) out.push(render(tree(int(5, 15), 0)));
  return out;
}

const SYNTAX = {
  segql: { and: " and ", or: " or ", not: (s: string) => `not (${s})` },
  jsep: { and: " && ", or: " || ", not: (s: string) => `!(${s})` },
  cel: { and: " && ", or: " || ", not: (s: string) => `!(${s})` },
  sql: { and: " AND ", or: " OR ", not: (s: string) => `NOT (${s})` },
} as const;

function render(node: Node): CorpusEntry {
  const out = {} as CorpusEntry;
  for (const key of Object.keys(SYNTAX) as (keyof CorpusEntry)[]) out[key] = print(node, key, false);
  return out;
}

/** Prints a tree; an `or` inside an `and` is parenthesised (every syntax here gives `and` precedence). */
function print(node: Node, syntax: keyof CorpusEntry, inAnd: boolean): string {
  const s = SYNTAX[syntax];
  switch (node.kind) {
    case "rule":
      return node.text[syntax];
    case "not":
      return s.not(print(node.operand, syntax, false));
    case "and":
    case "or": {
      const text = node.operands.map((o) => print(o, syntax, node.kind === "and")).join(s[node.kind]);
      return node.kind === "or" && inAnd ? `(${text})` : text;
    }
  }
}
