/**
 * `segql contacts show|history|delete|export`: one contact as the store holds it (its values, the segments
 * it is in, its latest events), the segments it entered and left, deleting contacts with their events (each
 * leaves every segment it was in, which the change feed records; `--erase`, for an erasure request, takes
 * their history too: store erasure.ts), and exporting
 * the contacts a search and/or filter finds (as `segql segments export` writes a segment's members).
 */
import type { MembershipChange, Store } from "../../store/index.js";
import { printable } from "../inputs.js";
import { CliError, EXIT, parseArgs, type Io } from "../io.js";
import { isContactOf, keysFromFile, STORE_OPTIONS, withStore, writeWhole } from "./segments.js";

export const help = `usage: segql contacts <command> [--db FILE|URL] [--json] …

Contacts in a store: a DuckDB file (default segql.duckdb) or PostgreSQL (--db postgres://…).

commands:
  show KEY                               its values, the segments it is in, its 10 latest events
  history KEY [--limit N]                the segments it entered and left, the latest first (20; --limit)
  delete KEY… [--file FILE] [--skip-unknown] [--erase]
                                         delete contacts and their events, for good: each leaves every
                                         segment it was in (logged in the change feed). Keys are given
                                         as arguments or in a .csv/.jsonl file (as segments members
                                         reads); a key that is no contact stops it all, unless --skip-unknown.
                                         --erase (an erasure request): also, in the same transaction,
                                         their change-feed rows lose the key (kept as "", same numbers)
                                         and import-history bad rows quoting a key or value say [erased];
                                         segments whose definitions quote one are listed, not changed
  export [--search TEXT] [--filter EXPR] [--out FILE] [--format csv|jsonl] [--raw]
                                         every contact the search and/or filter finds (all without
                                         them), with its fields, in key order: CSV (default; .jsonl
                                         --out: JSON Lines) to stdout or --out FILE (written whole or not
                                         at all). --raw: CSV text as stored (by default a cell a
                                         spreadsheet would run as a formula gets a ' before it)

options:
      --db FILE|URL     the store (default segql.duckdb)
      --by USER         who deletes (kept with the changes)
  -o, --out FILE        export: the file to write (else stdout)
      --json            print JSON
  -h, --help            show this help

examples:
  segql contacts export --filter 'plan = "Pro" and ltv > 100' --out pro.csv
  segql contacts export --search ann --format jsonl

Exit status: 0 done, 1 a key that is no contact (nothing deleted) or a filter with errors (nothing written),
2 usage error, 3 internal error.`;

const COMMAND_OPTIONS = {
  show: {},
  history: { limit: { value: true } },
  delete: { file: { value: true }, "skip-unknown": { value: false }, erase: { value: false } },
  export: { search: { value: true }, filter: { value: true }, out: { value: true, short: "o" }, format: { value: true }, raw: { value: false } },
} as const;

export async function run(args: string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) throw new CliError("missing a command: show, history, delete or export (see segql contacts --help)");
  if (!(command in COMMAND_OPTIONS)) throw new CliError(`unknown command '${command}': show, history, delete or export (see segql contacts --help)`);
  const { options, positional } = parseArgs(rest, { ...STORE_OPTIONS, ...COMMAND_OPTIONS[command as keyof typeof COMMAND_OPTIONS] });
  const json = options["json"] === true;
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  if (command === "export") return exportCommand(options, positional, io);
  if (command === "delete") {
    const file = typeof options["file"] === "string" ? options["file"] : undefined;
    if (file === undefined && positional.length === 0) throw new CliError("missing KEY (one or more, or --file FILE)");
    return withStore(options, io, async (store) => {
      const keys = [...positional, ...(file !== undefined ? await keysFromFile(file, store.schema.key, isContactOf(store)) : [])];
      if (keys.length === 0) throw new CliError(`${file}: holds no keys`);
      const by = typeof options["by"] === "string" ? options["by"] : null;
      const result = await store.deleteContacts(keys, { by, skipUnknown: options["skip-unknown"] === true, erase: options["erase"] === true });
      print(result, () => {
        const lines = [`deleted ${plural(result.deleted, "contact")} and ${plural(result.events, "event")}${result.unknown.length > 0 ? `; not contacts (skipped) ${result.unknown.length}: ${result.unknown.slice(0, 10).map(printable).join(", ")}${result.unknown.length > 10 ? ", …" : ""}` : ""}`];
        const left = new Map<number, number>();
        for (const c of result.changes) left.set(c.segmentId, (left.get(c.segmentId) ?? 0) + 1);
        if (left.size > 0) lines.push(`segments left: ${[...left].map(([id, n]) => `#${id} -${n}`).join(", ")}`);
        const erased = result.erased;
        if (erased) {
          lines.push(`erased: ${plural(erased.feedRows, "change-feed row")} (kept without the key), ${plural(erased.importProblems, "import-history bad row")}`);
          if (erased.segmentsQuoting.length > 0) lines.push(`segments whose definition quotes a key or value (not changed; edit them): ${erased.segmentsQuoting.map((id) => `#${id}`).join(", ")}`);
        }
        return lines.join("\n");
      });
      return EXIT.ok;
    });
  }
  const [key, extra] = positional;
  if (key === undefined) throw new CliError("missing KEY");
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'`);
  if (command === "show") {
    return withStore(options, io, async (store) => {
      const c = await store.getContact(key);
      print(c, () => {
        const values = Object.entries(c.values).filter(([f, v]) => f !== store.schema.key && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0));
        const lines = [printable(c.key), ...values.map(([f, v]) => `  ${f}: ${printable(Array.isArray(v) ? v.join(", ") : String(v))}`)];
        lines.push(c.segments.length === 0 ? "in no segment" : `in ${plural(c.segments.length, "segment")}: ${c.segments.map((s) => `#${s.id} ${printable(s.name)}`).join(", ")}`);
        const ev = store.schema.events;
        if (ev) {
          lines.push(c.eventCount === 0 ? "no events" : `${plural(c.eventCount, "event")}${c.eventCount > 10 ? ", the 10 latest" : ""}:`);
          for (const e of c.recentEvents.slice(0, 10)) lines.push(`  ${String(e[ev.time])}  ${printable(String(e[ev.name]))}`);
        }
        return lines.join("\n");
      });
      return EXIT.ok;
    }, { key: "KEY" });
  }
  const limitText = options["limit"];
  if (limitText !== undefined && (typeof limitText !== "string" || !/^[1-9]\d{0,5}$/.test(limitText))) throw new CliError(`--limit: a whole number from 1, found '${String(limitText)}'`);
  const limit = limitText === undefined ? 20 : Number(limitText);
  return withStore(options, io, async (store) => {
    const items = await history(store, key, limit);
    const names = new Map((await allSegmentNames(store)).map((s) => [s.id, s.name]));
    print(items, () => (items.length === 0 ? `${printable(key)} has not entered or left a segment` : items.map((c) => `${c.at}  ${c.change === "entered" ? "entered" : "left   "}  #${c.segmentId} ${printable(names.get(c.segmentId) ?? "(deleted)")}`).join("\n")));
    return EXIT.ok;
  }, { key: "KEY" });
}

/**
 * `segql contacts export`: written as `segql segments export` is (stdout as it comes; --out whole or not at
 * all); a filter with errors says where, and nothing is written.
 */
async function exportCommand(options: Record<string, string | true>, positional: string[], io: Io): Promise<number> {
  if (positional.length > 0) throw new CliError(`unexpected argument '${positional[0]}' (a search is --search TEXT, a filter --filter EXPR)`);
  const text = (name: string) => (typeof options[name] === "string" ? (options[name] as string) : undefined);
  const out = text("out");
  const search = text("search");
  const filter = text("filter");
  const format = text("format") ?? (out !== undefined && /\.(jsonl|ndjson)$/i.test(out) ? "jsonl" : "csv");
  if (format !== "csv" && format !== "jsonl") throw new CliError(`--format: csv or jsonl, found '${format}'`);
  if (format === "jsonl" && options["raw"] === true) throw new CliError("--raw is for CSV (JSON Lines is always as stored)");
  return withStore(options, io, async (store) => {
    const { exportContacts } = await import("../../store/index.js");
    let contacts = 0;
    // A filter with errors throws at the first chunk, before anything is written (said as any bad expression).
    const chunks = exportContacts(store, { format, spreadsheetSafe: options["raw"] !== true, onRows: (n) => (contacts += n), ...(search !== undefined ? { search } : {}), ...(filter !== undefined ? { filter } : {}) });
    if (out === undefined) {
      for await (const chunk of chunks) io.out(chunk);
      return EXIT.ok;
    }
    await writeWhole(out, chunks);
    if (options["json"] === true) io.out(JSON.stringify({ file: out, format, contacts, ...(search !== undefined ? { search } : {}), ...(filter !== undefined ? { filter } : {}) }, null, 2));
    else io.err(`exported ${plural(contacts, "contact")} to ${out} (${format === "csv" ? "CSV" : "JSON Lines"})`);
    return EXIT.ok;
  }, { search: "--search", format: "--format" });
}

/** The contact's latest `limit` changes, newest first. */
async function history(store: Store, key: string, limit: number): Promise<MembershipChange[]> {
  const out: MembershipChange[] = [];
  let before: number | undefined;
  do {
    const page = await store.contactChanges(key, { limit: Math.min(1000, limit - out.length), ...(before !== undefined ? { before } : {}) });
    out.push(...page.items);
    before = page.next ?? undefined;
  } while (before !== undefined && out.length < limit);
  return out;
}

async function allSegmentNames(store: Store): Promise<{ id: number; name: string }[]> {
  const out: { id: number; name: string }[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listSegments({ limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;
}
