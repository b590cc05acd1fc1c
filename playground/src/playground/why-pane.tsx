/**
 * Why / why not: for a contact picked from the table or typed by key, the verdict, the conditions that
 * decided it, and the whole expression tree with each node's value and what it read (a field's value, the
 * events counted, an aggregate).
 */
import { memo, useEffect, useState } from "react";
import type { ExplainNode, NodeRead } from "../../../src/compiler/predicate/explain.js";
import type { WhyResponse } from "../worker/protocol.js";
import { decidingLeaves } from "./blame.js";
import { formatCount, formatValue } from "./format-value.js";

export interface WhyPaneProps {
  picked: string | null;
  why: WhyResponse | null;
  sampleKeys: string[];
  keyField: string;
  onPick(key: string | null): void;
}

/** What a node read, in words. */
export function describeRead(read: NodeRead | null): string {
  if (!read) return "";
  switch (read.kind) {
    case "field":
      return `${read.field} is ${formatValue(read.value)}`;
    case "filter":
      return `${formatCount(read.matching)} of ${formatCount(read.of)} events pass`;
    case "events": {
      const parts = [`${formatCount(read.named)} "${read.name}" events`];
      if (read.window) parts.push(`${formatCount(read.inWindow)} from ${formatValue(read.window.from)} to ${formatValue(read.window.to)}`);
      if (read.matching !== read.named) parts.push(`${formatCount(read.matching)} ${read.matching === 1 ? "matches" : "match"}`);
      const m = read.measure;
      if (m.kind === "aggregate") parts.push(`${m.fn === "avg" ? "average" : m.fn} of ${m.property} = ${m.value === null ? "none (no values)" : formatValue(m.value)}`);
      if (m.kind === "first" || m.kind === "last") parts.push(`${m.kind} time ${m.time === null ? "none" : formatValue(m.time)}`);
      return parts.join("; ");
    }
  }
}

function Mark({ value }: { value: boolean }) {
  return <span className={value ? "mark yes" : "mark no"}>{value ? "✓ true" : "✗ false"}</span>;
}

function Tree({ root }: { root: ExplainNode }) {
  // Flattened with depths (no recursion on the expression's depth).
  const rows: { node: ExplainNode; depth: number }[] = [];
  const stack: { node: ExplainNode; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length) {
    const r = stack.pop()!;
    rows.push(r);
    for (let i = r.node.children.length - 1; i >= 0; i--) stack.push({ node: r.node.children[i]!, depth: r.depth + 1 });
  }
  return (
    <ul className="tree why-tree" data-testid="why-tree">
      {rows.map(({ node, depth }, i) => (
        <li key={i} style={{ paddingLeft: `${depth * 1.25}rem` }} className={node.value ? "holds" : "fails"}>
          <Mark value={node.value} /> <code>{node.label}</code>
          {node.scope === "event" ? <span className="count-muted"> (events)</span> : null}
          {node.repeated ? <span className="count-muted"> (explained above)</span> : null}
          {node.read ? <span className="read"> — {describeRead(node.read)}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export const WhyPane = memo(function WhyPane(p: WhyPaneProps) {
  const [typed, setTyped] = useState(p.picked ?? "");
  useEffect(() => setTyped(p.picked ?? ""), [p.picked]);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    p.onPick(typed.trim() === "" ? null : typed.trim());
  };
  let body = null;
  if (p.picked && p.why && p.why.key === p.picked) {
    if (!p.why.ok) body = <p className="count-error" data-testid="why-error">{p.why.message}</p>;
    else {
      const x = p.why.explanation;
      const leaves = decidingLeaves(x.root);
      body = (
        <>
          <p className={x.value ? "verdict yes" : "verdict no"} data-testid="verdict">
            <strong>{p.picked}</strong> {x.value ? "is a member" : "is not a member"}
            {leaves.length > 0 ? (x.value ? " because " : ": ") : ""}
            {leaves.map((n, i) => (
              <span key={i}>
                {i > 0 ? (x.value ? " and " : "; ") : ""}
                <code>{n.label}</code> is {String(n.value)}
                {n.read ? ` (${describeRead(n.read)})` : ""}
              </span>
            ))}
          </p>
          <Tree root={x.root} />
          <p className="count-muted">Relative times resolve against {formatValue(x.now)}.</p>
        </>
      );
    }
  } else if (p.picked) body = <p className="count-muted">Explaining {p.picked}…</p>;
  else body = <p className="count-muted">Pick a contact with “Why?” in the table, or type a key.</p>;
  return (
    <section className="pane" aria-labelledby="why-title">
      <h2 id="why-title">Why / why not</h2>
      <form className="controls" onSubmit={submit}>
        <label>
          Contact key ({p.keyField}){" "}
          <input value={typed} onChange={(e) => setTyped(e.target.value)} list="sample-keys" data-testid="why-key" spellCheck={false} />
        </label>
        <datalist id="sample-keys">
          {p.sampleKeys.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        <button type="submit">Explain</button>
        {p.picked ? (
          <button type="button" onClick={() => p.onPick(null)}>
            Clear
          </button>
        ) : null}
      </form>
      <div aria-live="polite">{body}</div>
    </section>
  );
});
