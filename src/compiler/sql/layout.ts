/**
 * Lays out the generator's one-line SQL over lines, in one linear pass: what sql-formatter did for
 * `pretty` output, at a small fraction of its cost (it took ~3 µs of CPU a character, 50-500 ms a
 * statement of event conditions; `compile --form views` of 100 segments took tens of seconds).
 *
 * It reads only SQL that generator.ts and the dialects write, whose shape is known: clauses (`SELECT`,
 * `FROM`, `WHERE`, …), boolean operators, parenthesised groups, commas, literals and quoted names. The
 * rules, in the style the golden files had:
 * - each clause keyword of a query on its own line, its body indented below it, split before every
 *   top-level `AND`/`OR` (not the `AND` of `BETWEEN`, nor inside `CASE … END`);
 * - a parenthesised group stays on its line when it is at most GROUP_WIDTH characters and holds no query;
 *   otherwise `(` ends the line, the inside is indented below (a query as above; else split before
 *   `AND`/`OR`, or after top-level commas), and `)` starts a line;
 * - everything else keeps the generator's spacing.
 * Only whitespace between tokens changes. Literals and quoted names are copied as they are; text this
 * cannot read with certainty (a comment, an unterminated quote, unbalanced parentheses) is returned as it
 * came, on one line. The recursion follows the SQL's parentheses, whose depth the checker's nesting limit
 * bounds (test/hardening runs every stage at the limit on a small stack).
 */

/** How a dialect quotes strings, for reading them back. */
export interface LayoutOptions {
  /** `\` escapes the next character inside '…' (BigQuery, Snowflake; PostgreSQL's E'…' always). */
  backslashEscapes: boolean;
}

/** Longest parenthesised group kept on one line (sql-formatter's default `expressionWidth`). */
export const GROUP_WIDTH = 50;

const INDENT = "  ";

const enum Kind {
  Word,
  Open,
  Close,
  Comma,
  Quoted,
}

interface Token {
  kind: Kind;
  start: number;
  end: number;
  /** Whitespace came before it in the input. */
  space: boolean;
  /** Upper-case text of a word (clause keywords and operators are compared by it). */
  upper: string;
}

interface Group {
  kind: "group";
  open: Token;
  close: Token;
  items: Node[];
  /** Holds a query (a `SELECT` among its own items). */
  query: boolean;
}

type Node = Token | Group;

/** Clause keywords that start a line of their own in a query, with the words that may complete them. */
const CLAUSES = new Set(["SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "QUALIFY"]);
const CLAUSE_TAIL = new Set(["BY", "ALL", "DISTINCT"]);

/** The SQL laid out over lines (see the file comment); the input unchanged when it cannot be read safely. */
export function layoutSql(sql: string, options: LayoutOptions): string {
  const tokens = tokenize(sql, options.backslashEscapes);
  if (tokens === null) return sql;
  const root = nest(tokens);
  if (root === null) return sql;
  const printer = new Printer(sql);
  if (isQuery(root)) printer.query(root, 0);
  else printer.body(root, 0, true);
  return printer.text();
}

/** The tokens of `sql`, or null where it holds something this does not read (comments, open quotes). */
function tokenize(sql: string, backslash: boolean): Token[] | null {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  let space = false;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) {
      space = true;
      i++;
      continue;
    }
    const start = i;
    let kind: Kind;
    if (c === 40) {
      kind = Kind.Open;
      i++;
    } else if (c === 41) {
      kind = Kind.Close;
      i++;
    } else if (c === 44) {
      kind = Kind.Comma;
      i++;
    } else if (c === 39 || c === 34 || c === 96) {
      const end = quotedEnd(sql, i, backslash);
      if (end < 0) return null;
      kind = Kind.Quoted;
      i = end;
    } else {
      // A word: up to whitespace, a parenthesis, a comma or a quote. A word glued to a quote is a prefixed
      // literal (E'…', X'…', N'…'), read as one token; E'…' always takes backslash escapes.
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (d === 32 || d === 10 || d === 13 || d === 9 || d === 40 || d === 41 || d === 44 || d === 39 || d === 34 || d === 96) break;
        i++;
      }
      const word = sql.slice(start, i);
      if (word.includes("--") || word.includes("/*")) return null;
      if (i < n && sql.charCodeAt(i) === 39) {
        const end = quotedEnd(sql, i, backslash || word === "E" || word === "e");
        if (end < 0) return null;
        i = end;
        kind = Kind.Quoted;
      } else kind = Kind.Word;
    }
    tokens.push({ kind, start, end: i, space, upper: kind === Kind.Word ? sql.slice(start, i).toUpperCase() : "" });
    space = false;
  }
  return tokens;
}

/** The end (exclusive) of the quoted text starting at `i`, or -1 when it does not end. */
function quotedEnd(sql: string, i: number, backslash: boolean): number {
  const quote = sql.charCodeAt(i);
  const n = sql.length;
  let j = i + 1;
  while (j < n) {
    const c = sql.charCodeAt(j);
    if (c === 92 && backslash && quote === 39) j += 2;
    else if (c === quote) {
      if (sql.charCodeAt(j + 1) === quote) j += 2;
      else return j + 1;
    } else j++;
  }
  return -1;
}

/** The tokens nested by parentheses (a stack, not recursion), or null when they do not balance. */
function nest(tokens: Token[]): Node[] | null {
  const root: Node[] = [];
  const open: { token: Token; items: Node[] }[] = [];
  let items = root;
  for (const t of tokens) {
    if (t.kind === Kind.Open) {
      open.push({ token: t, items });
      items = [];
    } else if (t.kind === Kind.Close) {
      const o = open.pop();
      if (!o) return null;
      const group: Group = { kind: "group", open: o.token, close: t, items, query: isQuery(items) };
      items = o.items;
      items.push(group);
    } else items.push(t);
  }
  return open.length === 0 ? root : null;
}

function isGroup(n: Node): n is Group {
  return (n as Group).kind === "group";
}

function isQuery(items: readonly Node[]): boolean {
  for (const n of items) if (!isGroup(n) && n.kind === Kind.Word && n.upper === "SELECT") return true;
  return false;
}

class Printer {
  private readonly lines: string[] = [];
  private line = "";

  constructor(private readonly sql: string) {}

  text(): string {
    this.newline();
    return this.lines.join("\n");
  }

  /** A query: text before its first clause on the current line, then each clause keyword on its own line and its body below. */
  query(items: readonly Node[], indent: number): void {
    let i = 0;
    while (i < items.length && !isClause(items[i]!)) i++;
    if (i > 0) {
      this.inline(items.slice(0, i), indent);
      this.newline();
    }
    while (i < items.length) {
      const keyword: Node[] = [items[i++]!];
      while (i < items.length && !isGroup(items[i]!) && CLAUSE_TAIL.has((items[i] as Token).upper)) keyword.push(items[i++]!);
      this.inline(keyword, indent);
      const start = i;
      while (i < items.length && !isClause(items[i]!)) i++;
      this.newline();
      if (i > start) {
        this.body(items.slice(start, i), indent + 1, true);
        this.newline();
      }
    }
  }

  /**
   * A condition or list at `indent`: on one line when `split` is false, else split before top-level
   * AND/OR, or (having none) after top-level commas.
   */
  body(items: readonly Node[], indent: number, split: boolean): void {
    if (!split) return this.inline(items, indent);
    const parts = splitBoolean(items);
    if (parts.length > 1) {
      parts.forEach((part, k) => {
        if (k > 0) this.newline();
        this.inline(part, indent);
      });
      return;
    }
    const elements = splitCommas(items);
    elements.forEach((element, k) => {
      if (k > 0) this.newline();
      this.inline(element, indent);
    });
  }

  /** Items on the current line, a group that is too wide (or a query) broken over lines. */
  private inline(items: readonly Node[], indent: number): void {
    for (const n of items) {
      if (!isGroup(n)) {
        this.word(n, indent);
        continue;
      }
      const width = n.close.end - n.open.start;
      if (!n.query && width <= GROUP_WIDTH) {
        this.write(this.sql.slice(n.open.start, n.close.end), n.open.space, indent);
        continue;
      }
      this.word(n.open, indent);
      this.newline();
      if (n.query) this.query(n.items, indent + 1);
      else this.body(n.items, indent + 1, true);
      this.newline();
      this.word(n.close, indent);
    }
  }

  private word(t: Token, indent: number): void {
    // A comma or closing parenthesis follows its text directly, as the generator wrote it.
    this.write(this.sql.slice(t.start, t.end), t.space, indent);
  }

  private write(text: string, space: boolean, indent: number): void {
    if (this.line === "") this.line = INDENT.repeat(indent) + text;
    else this.line += space ? ` ${text}` : text;
  }

  /** Ends the current line (if it holds text). */
  private newline(): void {
    if (this.line !== "") this.lines.push(this.line);
    this.line = "";
  }
}

function isClause(n: Node): boolean {
  return !isGroup(n) && n.kind === Kind.Word && CLAUSES.has(n.upper);
}

/** The items split before each top-level AND/OR (not BETWEEN's AND, nor one inside CASE … END). */
function splitBoolean(items: readonly Node[]): Node[][] {
  const parts: Node[][] = [[]];
  let between = false;
  let cases = 0;
  for (const n of items) {
    if (!isGroup(n) && n.kind === Kind.Word) {
      const w = n.upper;
      if (w === "CASE") cases++;
      else if (w === "END" && cases > 0) cases--;
      else if (w === "BETWEEN") between = true;
      else if ((w === "AND" || w === "OR") && cases === 0) {
        if (w === "AND" && between) between = false;
        else if (parts[parts.length - 1]!.length > 0) {
          parts.push([n]);
          continue;
        }
      }
    }
    parts[parts.length - 1]!.push(n);
  }
  return parts;
}

/** The items split after each top-level comma (the comma stays with what it follows). */
function splitCommas(items: readonly Node[]): Node[][] {
  const parts: Node[][] = [[]];
  for (const n of items) {
    parts[parts.length - 1]!.push(n);
    if (!isGroup(n) && n.kind === Kind.Comma) parts.push([]);
  }
  if (parts[parts.length - 1]!.length === 0) parts.pop();
  return parts;
}
