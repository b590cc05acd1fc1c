/**
 * A segment page's Compare tab (`?tab=compare&with={id}`): how this segment and another saved one relate,
 * answered two ways.
 * - **On today's contacts**: how many are in both, only in this one, only in the other, in either — four
 *   counts of `POST /api/preview` over `in segment` expressions, each linked to the Contacts page filtered
 *   to them, with a proportional bar that is decoration (the numbers are the content).
 * - **By the rules**: what `POST /api/relate` proves for every possible contact — one contains the other,
 *   they are the same, they can never share a contact, or neither contains the other — in words, with the
 *   made-up contacts (witnesses) that show each difference, and "undecided" said as such.
 */
import { useId, useMemo, useState } from "react";
import type { Expr } from "../../../src/parser/ast.js";
import { quoteString } from "../../../src/parser/format.js";
import { parse } from "../../../src/parser/index.js";
import type { Schema } from "../../../src/schema/schema.js";
import { navigate, type Route } from "../router.js";
import { allSegments, countMatches, MAX_SEARCH, relateSegments, type Relation, type RelationWitness, type Segment } from "./api.js";
import { formatCount, formatInstant, formatValue, plural } from "./format.js";
import { useSchema } from "./schema.js";
import { isolate, isolateQuoted, LoadProblem, Quoted, useLoad } from "./ui.js";

/** The segment id the address compares with (`with=12`), or null. */
function otherIdOf(route: Route): number | null {
  const text = route.params.get("with");
  return text !== null && /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}

/** `“VIP list”`: a name as the sentences quote it. */
const q = (name: string) => `“${name}”`;

export function CompareTab({ segment, route }: { segment: Segment; route: Route }) {
  const segments = useLoad(allSegments, [segment.id]);
  const otherId = otherIdOf(route);
  // Replaced, not pushed: Back leaves the page rather than stepping through every segment tried.
  const pick = (id: number | null) => navigate(`/segments/${segment.id}?tab=compare${id === null ? "" : `&with=${id}`}`, true);
  // The segment itself is no comparison (said below), whatever the address asks.
  const other = otherId === segment.id ? null : (segments.data?.find((s) => s.id === otherId) ?? null);

  return (
    <div className="compare" data-testid="compare">
      <section className="card" aria-labelledby="compare-title">
        <h2 id="compare-title">Compare {q(segment.name)} with another segment</h2>
        <p className="muted small">Who is in both, in one only — today, and by the rules for every possible contact.</p>
        <LoadProblem what="The segments to compare with" loaded={segments} />
        <SegmentChooser segment={segment} all={segments.data} chosen={other} onPick={pick} />
        {otherId === segment.id && (
          <p className="notice" data-testid="compare-same">
            That is {q(segment.name)} itself: every contact in it is in it. Pick another segment to compare it with.
          </p>
        )}
        {otherId !== null && otherId !== segment.id && segments.data && !other && (
          <p className="notice" data-testid="compare-missing">
            Segment #{otherId} is not a saved segment (it may have been deleted: see <a href="#/segments/deleted">Recently deleted</a>). Pick another one.
          </p>
        )}
      </section>
      {other && <Comparison a={segment} b={other} />}
    </div>
  );
}

// ---- choosing the other segment ----------------------------------------------------------------------------

/**
 * A select of the other saved segments with a search above it that narrows its options (a database may save
 * hundreds), the chosen one kept whatever the search.
 */
function SegmentChooser({ segment, all, chosen, onPick }: { segment: Segment; all: Segment[] | null; chosen: Segment | null; onPick(id: number | null): void }) {
  const [search, setSearch] = useState("");
  const searchId = useId();
  const selectId = useId();
  const others = (all ?? []).filter((s) => s.id !== segment.id);
  const needle = search.trim().toLowerCase();
  const shown = needle === "" ? others : others.filter((s) => s.name.toLowerCase().includes(needle) || s.id === chosen?.id);
  const matching = needle === "" ? others.length : others.filter((s) => s.name.toLowerCase().includes(needle)).length;
  if (all && others.length === 0) return <p className="muted">No other segment is saved yet: create one to compare this one with.</p>;
  return (
    <div className="compare-chooser">
      <div className="field">
        <label htmlFor={searchId}>Find a segment</label>
        <input id={searchId} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Part of its name…" maxLength={MAX_SEARCH} disabled={!all} data-testid="compare-search" />
      </div>
      <div className="field grow">
        <label htmlFor={selectId}>Compare with</label>
        <select id={selectId} value={chosen ? String(chosen.id) : ""} onChange={(e) => onPick(e.target.value === "" ? null : Number(e.target.value))} disabled={!all} data-testid="compare-with">
          <option value="">
            {isolateQuoted(!all ? "Loading the segments…" : needle === "" ? `Pick one of the ${plural(others.length, "other segment")}…` : matching === 0 ? `No segment's name contains “${search.trim()}”` : `Pick one of ${plural(matching, "match", "matches")}…`)}
          </option>
          {shown.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.kind === "static" ? "static list" : "dynamic"})
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

/**
 * Both answers for a pair; for a segment whose rules have a problem (it stopped updating: a segment it reads
 * was deleted, say), neither can be had — the count's `in segment` and the analysis both refuse it — so that
 * is said once, with the way to fix it, rather than as two refusals quoting an expression nobody wrote.
 */
function Comparison({ a, b }: { a: Segment; b: Segment }) {
  const broken = [a, b].filter((s) => s.problems.length > 0);
  if (broken.length > 0) {
    return (
      <section className="card" aria-labelledby="compare-broken-title">
        <h2 id="compare-broken-title" className="visually-hidden">
          Cannot compare
        </h2>
        {broken.map((s) => (
          <div key={s.id} className="problem" role="alert" data-testid="compare-broken">
            <strong>{q(s.name)} cannot be compared: its rules have a problem.</strong>
            <span>
              {s.problems[0]!.message}. It stopped updating, and it is neither counted nor reasoned about until its rules are fixed.
            </span>
            <a href={`#/segments/${s.id}/edit`}>Edit {q(s.name)}</a>
          </div>
        ))}
      </section>
    );
  }
  return (
    <>
      <TodayCounts a={a} b={b} />
      <ByTheRules a={a} b={b} />
    </>
  );
}

// ---- on today's contacts -----------------------------------------------------------------------------------

/** The four expressions counted: each segment read by name, written in the language's own quoting. */
function countExpressions(a: Segment, b: Segment) {
  const inA = `in segment ${quoteString(a.name)}`;
  const inB = `in segment ${quoteString(b.name)}`;
  return { both: `${inA} and ${inB}`, onlyA: `${inA} and not ${inB}`, onlyB: `${inB} and not ${inA}`, either: `${inA} or ${inB}` };
}

type CountKey = keyof ReturnType<typeof countExpressions>;

/** Where the Contacts page shows the contacts an expression matches. */
function contactsLink(expression: string): string {
  return `#/contacts?${new URLSearchParams({ filter: expression }).toString()}`;
}

function TodayCounts({ a, b }: { a: Segment; b: Segment }) {
  const expressions = useMemo(() => countExpressions(a, b), [a.name, b.name]);
  // Four counts asked at once; a change of either segment (its version, its members) asks again.
  const counts = useLoad(async () => {
    const keys = Object.keys(expressions) as CountKey[];
    const values = await Promise.all(keys.map((k) => countMatches(expressions[k])));
    return Object.fromEntries(keys.map((k, i) => [k, values[i]!])) as Record<CountKey, number>;
  }, [expressions, a.version, b.version, a.memberCount, b.memberCount]);
  const c = counts.data;
  // In the bar's order: only this one, both, only the other; then the whole.
  const rows: { key: CountKey; label: string; phrase: string }[] = [
    { key: "onlyA", label: `Only in ${q(a.name)}`, phrase: `only in ${q(a.name)}` },
    { key: "both", label: "In both", phrase: "in both" },
    { key: "onlyB", label: `Only in ${q(b.name)}`, phrase: `only in ${q(b.name)}` },
    { key: "either", label: "In either", phrase: "in either" },
  ];
  return (
    <section className="card" aria-labelledby="compare-today-title" aria-busy={counts.loading} data-testid="compare-today">
      <div className="card-head">
        <h2 id="compare-today-title">On today's contacts</h2>
        {counts.loading && <span className="muted small">Counting…</span>}
      </div>
      <LoadProblem what="Today's counts" loaded={counts} />
      {c && (
        <>
          <dl className="compare-counts">
            {rows.map((r) => (
              <div key={r.key} className={`compare-count ${r.key}`} data-testid={`count-${r.key}`}>
                <dt>
                  <span className="compare-swatch" aria-hidden="true" />
                  <span className="compare-count-label">{isolateQuoted(r.label)}</span>
                </dt>
                <dd>
                  <a className="big-number" href={contactsLink(expressions[r.key])} aria-label={`${plural(c[r.key], "contact")} ${r.phrase}: show them`} data-testid={`count-${r.key}-link`}>
                    {formatCount(c[r.key])}
                  </a>
                </dd>
              </div>
            ))}
          </dl>
          <OverlapBar a={a} b={b} counts={c} />
          <p className="muted small">
            <Quoted>{a.name}</Quoted> has {plural(c.both + c.onlyA, "member")} and <Quoted>{b.name}</Quoted> {plural(c.both + c.onlyB, "member")} now
            {c.either === 0 ? "" : c.both === 0 ? "; none is in both" : `; ${percent(c.both, c.either)} of the contacts in either are in both`}. Each number opens those contacts.
          </p>
        </>
      )}
    </section>
  );
}

/** `42%` (`<1%` for a share that is not none; whole percents otherwise). */
function percent(part: number, whole: number): string {
  if (whole === 0 || part === 0) return "0%";
  const p = (part / whole) * 100;
  return p < 1 ? "<1%" : p > 99 && part < whole ? ">99%" : `${Math.round(p)}%`;
}

/**
 * Only A, both, only B as one bar, each part as wide as its share of the contacts in either. Decoration: the
 * counts above are the content, so the bar is one image with a sentence for screen readers.
 */
function OverlapBar({ a, b, counts }: { a: Segment; b: Segment; counts: Record<CountKey, number> }) {
  if (counts.either === 0) return <p className="muted">Neither has a member now.</p>;
  const parts: { key: CountKey; n: number }[] = [
    { key: "onlyA", n: counts.onlyA },
    { key: "both", n: counts.both },
    { key: "onlyB", n: counts.onlyB },
  ];
  const label = `Of ${plural(counts.either, "contact")} in either: ${percent(counts.onlyA, counts.either)} only in ${q(isolate(a.name))}, ${percent(counts.both, counts.either)} in both, ${percent(counts.onlyB, counts.either)} only in ${q(isolate(b.name))}`;
  return (
    <div className="compare-bar" role="img" aria-label={label} data-testid="compare-bar">
      {parts.map((p) =>
        p.n === 0 ? null : (
          // At least a sliver, so a part of 3 among 7,000 is still seen to exist.
          <span key={p.key} className={`compare-bar-part ${p.key}`} style={{ flexGrow: p.n, minWidth: "4px" }} />
        ),
      )}
    </div>
  );
}

// ---- by the rules ------------------------------------------------------------------------------------------

function ByTheRules({ a, b }: { a: Segment; b: Segment }) {
  const { schema } = useSchema();
  const relation = useLoad(() => relateSegments({ segmentId: a.id }, { segmentId: b.id }), [a.id, b.id, a.version, b.version]);
  const lists = [a, b].filter((s) => s.kind === "static");
  return (
    <section className="card" aria-labelledby="compare-rules-title" aria-busy={relation.loading} data-testid="compare-rules">
      <div className="card-head">
        <h2 id="compare-rules-title">By the rules, for every possible contact</h2>
        {relation.loading && <span className="muted small">Reasoning about the rules…</span>}
      </div>
      <LoadProblem what="The comparison by the rules" loaded={relation} />
      {lists.length > 0 && (
        <p className="muted small" data-testid="compare-static-note">
          {lists.map((s) => q(s.name)).join(" and ")} {lists.length === 1 ? "is a static list" : "are static lists"}: {lists.length === 1 ? "its rules are its list" : "their rules are their lists"} — a contact is
          in it when someone picked it, and by the rules any contact may have been. So what is said here holds whoever is picked (a segment that reads
          the list with <code>in segment</code> can contain it; a list is never proved to be inside rules of its own); who is on it today is in the
          counts above.
        </p>
      )}
      {relation.data && <RelationWords relation={relation.data} a={a} b={b} />}
      {relation.data && relation.data.witnesses.length > 0 && <WitnessTable relation={relation.data} a={a} b={b} schema={schema} />}
      {relation.data && relation.data.notes.length > 0 && (
        <div className="compare-notes muted small">
          <p>
            The analysis's {relation.data.notes.length === 1 ? "note" : "notes"} (A is <Quoted>{a.name}</Quoted>, B is <Quoted>{b.name}</Quoted>):
          </p>
          <ul data-testid="compare-notes">
            {relation.data.notes.map((n, i) => (
              <li key={i}>{n.charAt(0).toUpperCase() + n.slice(1)}.</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** The relation as a sentence a person reads, with the symbol for those who know it. */
function RelationWords({ relation, a, b }: { relation: Relation; a: Segment; b: Segment }) {
  const A = q(a.name);
  const B = q(b.name);
  const { headline, detail } = describeRelation(relation, A, B);
  return (
    <div className={`compare-verdict ${relation.relation}`} data-testid="compare-relation" data-relation={relation.relation}>
      <p className="verdict">
        <strong>{isolateQuoted(headline)}</strong>
      </p>
      {detail.map((d, i) => (
        <p key={i}>{isolateQuoted(d)}</p>
      ))}
    </div>
  );
}

/** What `relate`'s answer says, in words: a headline and the sentences under it. */
export function describeRelation(r: Relation, A: string, B: string): { headline: string; detail: string[] } {
  switch (r.relation) {
    case "equal":
      return { headline: `${A} and ${B} always have the same contacts, whatever the data.`, detail: ["Their rules differ at most in how they are written: every contact in one is in the other."] };
    case "subset":
      return { headline: `Every contact in ${A} is also in ${B}, whatever the data.`, detail: [`Not the other way: a contact can be in ${B} without being in ${A} (an example is below).`] };
    case "superset":
      return { headline: `Every contact in ${B} is also in ${A}, whatever the data.`, detail: [`Not the other way: a contact can be in ${A} without being in ${B} (an example is below).`] };
    case "disjoint":
      return { headline: `They can never share a contact: no contact can be in both ${A} and ${B}, whatever the data.`, detail: [] };
    case "overlapping":
      return { headline: "Neither contains the other, and they can share contacts.", detail: [`A contact can be in both, in ${A} only, or in ${B} only: an example of each is below.`] };
    case "unknown": {
      const said = [side(r.aInB, A, B), side(r.bInA, B, A)];
      if (r.overlap === "yes") said.push("A contact can be in both (an example is below).");
      if (r.overlap === "no") said.push("No contact can be in both.");
      return { headline: "Undecided: the analysis could not settle how they relate.", detail: [...said, "What is undecided is no claim either way: the rules are past what the analysis can prove here (see the note below); today's contacts above show how they relate now."] };
    }
  }
}

/** One direction of an undecided relation in words. */
function side(answer: Relation["aInB"], from: string, to: string): string {
  if (answer === "yes") return `Every contact in ${from} is in ${to}: proved.`;
  if (answer === "no") return `A contact can be in ${from} without being in ${to} (an example is below).`;
  return `Whether every contact in ${from} is in ${to}: undecided.`;
}

/**
 * The contact fields a segment's own rules test, in the order written (not inside event filters, whose
 * rules test the events' properties; nor through `in segment`): an example contact leaves empty the fields it
 * has no value for, and an empty field can be what tells the two segments apart.
 */
function fieldsRead(expression: string | null): string[] {
  const out: string[] = [];
  for (const declaration of expression === null ? [] : parse(expression).document.segments) {
    const stack: Expr[] = declaration.expr ? [declaration.expr] : [];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (e.kind === "and" || e.kind === "or") for (let i = e.operands.length - 1; i >= 0; i--) stack.push(e.operands[i]!);
      else if (e.kind === "not") stack.push(e.operand);
      else if (e.kind === "rule" && !out.includes(e.field.name)) out.push(e.field.name);
    }
  }
  return out;
}

/**
 * The witnesses: made-up contacts (not in the database) that show each difference, with the fields either
 * segment's rules read (empty where the analysis gave none) and those it gave values, and the events they
 * needed.
 */
function WitnessTable({ relation, a, b, schema }: { relation: Relation; a: Segment; b: Segment; schema: Schema | null }) {
  const keyField = schema?.key ?? null;
  const fields = useMemo(() => {
    // Written as the schema names them (a rule may spell a field in another case).
    const names = new Map(Object.keys(schema?.fields ?? {}).map((n) => [n.toLowerCase(), n]));
    const seen: string[] = [];
    const add = (f: string) => {
      const name = names.get(f.toLowerCase()) ?? f;
      if (name !== keyField && !seen.includes(name)) seen.push(name);
    };
    for (const f of [...fieldsRead(a.expression), ...fieldsRead(b.expression)]) if (names.size === 0 || names.has(f.toLowerCase())) add(f);
    for (const w of relation.witnesses) for (const f of Object.keys(w.contact)) add(f);
    return seen;
  }, [relation, keyField, a.expression, b.expression, schema]);
  const hasEvents = relation.witnesses.some((w) => w.events.length > 0);
  // `now` matters only where the rules read relative times; said once when every witness shares it.
  const nows = [...new Set(relation.witnesses.map((w) => w.now))];
  const relative = a.relativeTime || b.relativeTime;
  return (
    <div className="compare-witnesses">
      <h3>Example contacts</h3>
      <p className="muted small">
        Made up by the analysis to show each case (none is one of your contacts); – is an empty field.
        {relative && nows.length === 1 ? ` Checked as of ${formatInstant(nows[0]!)}, as the relative times in the rules read then.` : ""}
      </p>
      <div className="table-scroll">
        <table className="data-table compare-witness-table" data-testid="compare-witnesses">
          <caption className="visually-hidden">Example contacts showing how {isolate(a.name)} and {isolate(b.name)} differ</caption>
          <thead>
            <tr>
              <th scope="col">Is in</th>
              {fields.map((f) => (
                <th key={f} scope="col">
                  {f}
                </th>
              ))}
              {hasEvents && <th scope="col">Events</th>}
              {relative && nows.length > 1 && <th scope="col">As of</th>}
            </tr>
          </thead>
          <tbody>
            {relation.witnesses.map((w, i) => (
              <tr key={i} data-matches={[...w.matches].sort().join("")}>
                <th scope="row">{isolateQuoted(inWords(w, a, b))}</th>
                {fields.map((f) => (
                  <td key={f}>{f in w.contact ? formatValue(w.contact[f]) : <span className="muted">–</span>}</td>
                ))}
                {hasEvents && <td className="witness-events">{eventsInWords(w, schema)}</td>}
                {relative && nows.length > 1 && <td>{formatInstant(w.now)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** `Both`, `Only “VIP list”`. */
function inWords(w: RelationWitness, a: Segment, b: Segment): string {
  const inA = w.matches.includes("A");
  const inB = w.matches.includes("B");
  return inA && inB ? "Both" : inA ? `Only ${q(a.name)}` : inB ? `Only ${q(b.name)}` : "Neither";
}

/** A witness's events, alike ones counted: `Refund ×3 (31 Dec 2025, 00:00 UTC)`, `Purchase (amount 5,001; …)`. */
function eventsInWords(w: RelationWitness, schema: Schema | null): string {
  if (w.events.length === 0) return "–";
  const nameCol = schema?.events?.name ?? "event";
  const timeCol = schema?.events?.time ?? "occurred_at";
  const propsCol = schema?.events?.propertiesColumn ?? "properties";
  const skip = new Set([nameCol, timeCol, propsCol, schema?.events?.contactKey ?? ""]);
  const groups = new Map<string, { text: string; n: number }>();
  for (const e of w.events) {
    const props = { ...((e[propsCol] as Record<string, unknown> | undefined) ?? {}), ...Object.fromEntries(Object.entries(e).filter(([k]) => !skip.has(k))) };
    const shown = Object.entries(props).map(([k, v]) => `${k} ${formatValue(v)}`);
    const time = typeof e[timeCol] === "string" ? formatInstant(e[timeCol] as string) : "";
    const text = `${String(e[nameCol] ?? "event")}${shown.length > 0 ? ` with ${shown.join(", ")}` : ""}${time ? ` at ${time}` : ""}`;
    const g = groups.get(text);
    if (g) g.n++;
    else groups.set(text, { text, n: 1 });
  }
  return [...groups.values()].map((g) => (g.n > 1 ? `${g.n} × ${g.text}` : g.text)).join("; ");
}
