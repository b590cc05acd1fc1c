/**
 * The conditions that decide an explanation's answer: for a non-member, the leaves that made it fail; for
 * a member, the leaves that made it pass. Walks down from the root, following only the children that
 * decided each node (all of them for an `and` that holds or an `or` that fails; the deciding ones
 * otherwise), through `not` with the roles swapped. No recursion: an explicit stack.
 */
import type { ExplainNode } from "../../../src/compiler/predicate/explain.js";

/** The deciding leaves (rules, event conditions, repeated segment references), in source order. */
export function decidingLeaves(root: ExplainNode): ExplainNode[] {
  const out: ExplainNode[] = [];
  const stack: ExplainNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind === "and" || n.kind === "or") {
      // An `and` that fails is decided by its false operands; one that holds by all; `or` the other way.
      const deciding = n.kind === "and" ? (n.value ? n.children : n.children.filter((c) => !c.value)) : n.value ? n.children.filter((c) => c.value) : n.children;
      for (let i = deciding.length - 1; i >= 0; i--) stack.push(deciding[i]!);
    } else if ((n.kind === "not" || n.kind === "segment") && n.children.length > 0) {
      stack.push(n.children[0]!);
    } else {
      out.push(n);
    }
  }
  return out;
}
