/**
 * A why / why not explanation as the pages show it: the verdict ("7590-VHVEG is not in “Fiber churners”"),
 * then the expression's tree, each condition marked true or false with what it read in words (a field's
 * value; the events counted and the measure taken over them). The segment page's Why tab and a contact's
 * page both show it.
 */
import type { ExplainNode, Why } from "./api.js";
import { formatCount, formatInstant, plural } from "./format.js";
import { Quoted } from "./ui.js";

/** The verdict and the tree of one explanation. */
export function WhyResult({ why, segmentName }: { why: Why; segmentName: string }) {
  return (
    <div data-testid="why-result">
      <p className={`verdict ${why.matches ? "yes" : "no"}`}>
        <strong>
          <bdi>{why.key}</bdi>
        </strong> {why.matches ? "is in" : "is not in"} <Quoted>{segmentName}</Quoted>.
      </p>
      <ul className="why-tree">
        <WhyNode node={why.root} />
      </ul>
    </div>
  );
}

function WhyNode({ node }: { node: ExplainNode }) {
  const read = node.read;
  return (
    <li>
      <span className={`mark ${node.value ? "yes" : "no"}`}>{node.value ? "✓ true" : "✗ false"}</span> <code>{node.label}</code>
      {read && <span className="read muted small"> — {describeRead(read)}</span>}
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c, i) => (
            <WhyNode key={i} node={c} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** What a condition read, in words: the field's value; the events counted and the measure taken over them. */
function describeRead(read: Record<string, unknown>): string {
  if (read["kind"] === "field") return `${String(read["field"])} is ${read["value"] === null || read["value"] === undefined ? "empty" : JSON.stringify(read["value"])}`;
  if (read["kind"] === "events") {
    const named = Number(read["named"] ?? 0);
    const parts = [plural(named, `“${String(read["name"])}” event`)];
    if (read["inWindow"] !== undefined && read["inWindow"] !== read["named"]) parts.push(`${formatCount(Number(read["inWindow"]))} in the window`);
    if (read["matching"] !== undefined && read["matching"] !== read["inWindow"]) parts.push(`${formatCount(Number(read["matching"]))} matching the filter`);
    const m = read["measure"] as Record<string, unknown> | null | undefined;
    // The measure the test was on, named as the condition names it ("sum of amount"), not by its kind.
    if (m && m["kind"] === "aggregate") {
      const fn = m["fn"] === "avg" ? "average" : String(m["fn"]);
      parts.push(`${fn} of ${String(m["property"])} ${typeof m["value"] === "number" ? formatNumber(m["value"]) : "none (no values)"}`);
    } else if (m && (m["kind"] === "first" || m["kind"] === "last")) {
      parts.push(`${String(m["kind"])} time ${typeof m["time"] === "string" ? formatInstant(m["time"]) : "none"}`);
    }
    return parts.join(", ");
  }
  if (read["kind"] === "filter" && typeof read["matching"] === "number" && typeof read["of"] === "number") return `${formatCount(read["matching"])} of ${plural(read["of"], "event")} pass it`;
  return Object.entries(read)
    .filter(([k]) => k !== "kind")
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(", ");
}

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });

/** 77,183.6 */
export function formatNumber(n: number): string {
  return numberFormat.format(n);
}
