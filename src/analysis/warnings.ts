/**
 * Warnings about a checked segment: parts that never match, parts that always hold, and parts that add
 * nothing. Each is reported once, on the smallest part that shows it, with a fix that removes the part
 * when removing it is exactly right.
 *
 * The walk goes top-down (explicit stack). At each node:
 * 1. never matches (alone)? Report where the contradiction is: the fewest operands of an `and` that cannot
 *    hold together (found by deleting operands while it stays contradictory), each branch of an `or`, the
 *    rule itself (`between 10 and 5`), the event's empty window or its filter. Stop there.
 * 2. always holds (alone)? Likewise: the fewest branches of an `or` that cover every contact. Stop there.
 * 3. `and`: an operand implied by the others and by the conditions around it (the operands of enclosing
 *    `and`s) adds nothing; checked right to left, so of two equal rules the second is reported.
 *    `or`: a branch that cannot hold with what the enclosing `and`s require never matches; a branch whose
 *    contacts all match the other branches adds nothing.
 * Inside `not` and inside a `where` filter the surrounding conditions are not carried (they would mean
 * something else there). Referenced segments are reasoned about (their meaning counts) but not walked:
 * their own text gets its own warnings.
 *
 * Every claim is a proof by the oracle (oracle.ts: the regions, regions.ts, or the reasoner, reasoner.ts):
 * when it cannot decide, nothing is said.
 */
import { warning, type Diagnostic, type Fix, type Span } from "../diagnostics.js";
import type { Literal, TypedExpr } from "../checker/typed-ast.js";
import { extent, removalRangeAt, spanNear } from "./edits.js";
import { AND, LEAF, NOT, OR, type Oracle, type PartMasks } from "./oracle.js";
import { analysisMessages as M, reasons } from "./messages.js";
import { renderTyped } from "./render.js";
import { DAY } from "./value-sets.js";

/** Options of `conditionWarnings`. */
export interface WarningOptions {
  /** The source text the spans point into: needed for fixes (removing a part reads its parentheses). */
  text?: string;
  /** The document line of the text's first line (default 1), for messages that cite a line. */
  firstLine?: number;
}

/** An `and` or an `or`: a parent whose operands a fix can remove. */
type Group = TypedExpr & { kind: "and" | "or" };

/** `Frame.index` of the condition itself, and of a part inside a `not` or an event's filter. */
const ROOT = -1;
const INSIDE = -2;

/** A condition that holds around a node (an operand of an enclosing `and`). */
interface Around<H> {
  e: TypedExpr;
  f: H;
}

/** A part to visit, with what it is to its parent (how a fix would remove it): operand `index` of `parent`, or ROOT, or INSIDE. */
interface Frame<H> {
  e: TypedExpr;
  h: H;
  around: Around<H>[];
  parent: Group | null;
  index: number;
}

/**
 * The warnings of one checked condition (a segment's expression), with the answers of `oracle` (the
 * regions' or the reasoner's, see oracle.ts). Where the oracle gives the condition as masks, the walk runs
 * on them (`MaskWalker`); otherwise it asks the oracle's questions (`Walker`). Both take the same decisions
 * in the same order, so they give the same warnings (test/analysis/regions.test.ts holds them to each
 * other, and to the reasoner's).
 */
export function conditionWarnings<H>(root: TypedExpr, oracle: Oracle<H>, options: WarningOptions = {}): Diagnostic[] {
  const reporter = new Reporter(oracle, options.text ?? null, (options.firstLine ?? 1) - 1);
  const masks = oracle.masks?.();
  if (masks && masks.exprs[masks.n - 1] === root) {
    reporter.masks = masks;
    new MaskWalker(masks, reporter as unknown as Reporter<number>).run();
  } else new Walker(oracle, reporter).run(root);
  return sortBySpan(reporter.out);
}

/**
 * Sorts diagnostics by where they start, in place, keeping the order of those that start together (as
 * `Array.prototype.sort` would): an insertion sort, without the work array that `sort` makes per call (a
 * condition's warnings are few, and the reports of nearly every condition come in order already).
 */
export function sortBySpan(ds: Diagnostic[]): Diagnostic[] {
  // A document's many warnings, or a condition's many, out of order: quadratic no more (sort is stable too).
  if (ds.length > 64) return ds.sort((a, b) => a.span.start - b.span.start);
  for (let i = 1; i < ds.length; i++) {
    const d = ds[i]!;
    const at = d.span.start;
    let j = i - 1;
    for (; j >= 0 && ds[j]!.span.start > at; j--) ds[j + 1] = ds[j]!;
    ds[j + 1] = d;
  }
  return ds;
}

class Walker<H> {
  constructor(
    private readonly r: Oracle<H>,
    private readonly rep: Reporter<H>,
  ) {}

  run(root: TypedExpr): void {
    // Operands are pushed last first, so they are visited (and reported) in order.
    const stack: Frame<H>[] = [{ e: root, h: this.r.of(root), around: [], parent: null, index: ROOT }];
    while (stack.length > 0) {
      const { e, h: node, around, parent, index } = stack.pop()!;
      if (this.r.never(node)) {
        this.rep.explainNever(e, node, parent?.kind === "or" ? this.rep.removal(parent, index, M.removeBranch()) : undefined);
        continue;
      }
      if (this.r.always(node)) {
        if (!isAtLeastZero(e)) this.rep.explainAlways(e, node, index === ROOT ? M.adds(true) : M.adds(false), parent?.kind === "and" ? this.rep.removal(parent, index, M.removeThis()) : undefined);
        continue;
      }
      if (e.kind === "and") this.and(e, node, around, stack);
      else if (e.kind === "or") this.or(e, node, around, stack);
      else if (e.kind === "not") stack.push({ e: e.operand, h: this.r.parts(node, e)[0]!, around: [], parent: null, index: INSIDE });
      else if (e.kind === "event" && e.filter) stack.push({ e: e.filter, h: this.r.of(e.filter), around: [], parent: null, index: INSIDE });
    }
  }

  private and(e: TypedExpr & { kind: "and" }, h: H, around: Around<H>[], stack: Frame<H>[]): void {
    const ops = e.operands;
    const fs = this.r.parts(h, e);
    const kept = allIndices(ops.length);
    for (let i = ops.length - 1; i >= 0; i--) {
      if (kept.length === 1) break;
      if (this.r.always(fs[i]!)) continue; // reported when visited
      if (!this.sharesGroup(fs[i]!, around) && !this.sharesKept(fs[i]!, fs, kept, i)) continue;
      // Asked on the handles first; the premises with their text only for a warning's core.
      const handles: H[] = [];
      for (const a of around) handles.push(a.f);
      for (const j of kept) if (j !== i) handles.push(fs[j]!);
      if (!this.r.impliesAny(handles, [fs[i]!])) continue;
      this.rep.implied(e, i, operands(ops, fs, kept, i, around), fs[i]!);
      kept.splice(kept.indexOf(i), 1);
    }
    // The kept operands as conditions around their siblings, made once for all of them.
    let items: Around<H>[] | null = null;
    for (let k = kept.length - 1; k >= 0; k--) {
      const i = kept[k]!;
      // Only an `and`/`or` reads what holds around it (a rule, a `not`, an event condition do not).
      const o = ops[i]!;
      if (o.kind === "rule" && this.r.settled?.(fs[i]!)) continue; // nothing to say about it, no parts
      let inner = NOTHING_AROUND as Around<H>[];
      if (o.kind === "and" || o.kind === "or") {
        items ??= kept.map((j) => ({ e: ops[j]!, f: fs[j]! }));
        inner = around.slice();
        for (let m = 0; m < kept.length; m++) if (m !== k) inner.push(items[m]!);
      }
      stack.push({ e: o, h: fs[i]!, around: inner, parent: e, index: i });
    }
  }

  private or(e: TypedExpr & { kind: "or" }, h: H, around: Around<H>[], stack: Frame<H>[]): void {
    const ops = e.operands;
    const fs = this.r.parts(h, e);
    const kept = allIndices(ops.length);
    for (let i = ops.length - 1; i >= 0; i--) {
      if (kept.length === 1) break;
      const fi = fs[i]!;
      if (this.r.never(fi) || this.r.always(fi)) continue; // reported when visited (or at this `or`)
      if (around.length > 0 && this.sharesGroup(fi, around) && this.rep.contradicts(around, fi)) {
        this.rep.contradicting(e, i, around, fi);
        kept.splice(kept.indexOf(i), 1);
        continue;
      }
      if (!this.sharesKept(fi, fs, kept, i)) continue;
      // Not `concat`: V8's generic path for it (spreadable checks) costs more than the question it feeds.
      const premises: H[] = [];
      for (const a of around) premises.push(a.f);
      premises.push(fi);
      const othersF: H[] = [];
      for (const j of kept) if (j !== i) othersF.push(fs[j]!);
      if (!this.r.impliesAny(premises, othersF)) continue;
      this.rep.contained(e, i, premises, operands(ops, fs, kept, i), fi);
      kept.splice(kept.indexOf(i), 1);
    }
    for (let k = kept.length - 1; k >= 0; k--) {
      const i = kept[k]!;
      const o = ops[i]!;
      if (o.kind === "rule" && this.r.settled?.(fs[i]!)) continue; // nothing to say about it, no parts
      stack.push({ e: o, h: fs[i]!, around, parent: e, index: i });
    }
  }

  /** Whether `x` reads a variable group that one of `others` reads (otherwise they are independent). */
  private sharesGroup(x: H, others: readonly { f: H }[]): boolean {
    for (const o of others) if (this.r.shares(x, o.f)) return true;
    return false;
  }

  /** `sharesGroup` with the kept operands but the `i`th. */
  private sharesKept(x: H, fs: readonly H[], kept: readonly number[], i: number): boolean {
    for (const j of kept) if (j !== i && this.r.shares(x, fs[j]!)) return true;
    return false;
  }
}

/**
 * `Walker`'s walk on a condition given as masks: every question is a bitwise `and`, the conditions around
 * a part are one mask (the `and` of their `holds`) and one set of fields, and the frames are numbers, so a
 * condition without warnings allocates nothing per part. The decisions, their order and the reports are
 * `Walker`'s, line for line; only a warning builds the lists its message and core need.
 */
class MaskWalker {
  /** Words per mask. */
  private readonly W: number;

  constructor(
    private readonly m: PartMasks,
    private readonly rep: Reporter<number>,
  ) {
    this.W = m.words;
  }

  run(): void {
    const { n, kinds, kidStart, kids, exprs, holds, fails, known, fields } = this.m;
    const W = this.W;
    const w = maskWork;
    // Frames: part, parent (-1: none), index (ROOT, INSIDE or the operand's), the conditions around it
    // (`around[from, from + count)`), the union of their fields, and (`hold[frame * W]`, W words) the
    // `and` of their holds.
    // (`pushFrame`, not a closure here: `fp` would then live in a context object, read and written there
    // all through the loop.)
    let fp = 0;
    let ap = 0;
    pushFrame(W, fp++, n - 1, -1, ROOT, 0, 0, 0, null);
    const aroundHolds = w.aroundHolds;
    while (fp > 0) {
      fp--;
      const x = w.part[fp]!;
      const parent = w.parent[fp]!;
      const index = w.index[fp]!;
      const from = w.from[fp]!;
      const count = w.count[fp]!;
      const aroundFields = w.field[fp]!;
      for (let k = 0; k < W; k++) aroundHolds[k] = w.hold[fp * W + k]!;
      if ((known[x]! & 4) === 0) {
        this.rep.explainNever(exprs[x]!, x, parent >= 0 && kinds[parent] === OR ? this.rep.removal(exprs[parent] as Group, index, M.removeBranch()) : undefined);
        continue;
      }
      if ((known[x]! & 8) === 0) {
        // (`at least 0 times` is an event condition: never given as masks)
        this.rep.explainAlways(exprs[x]!, x, index === ROOT ? M.adds(true) : M.adds(false), parent >= 0 && kinds[parent] === AND ? this.rep.removal(exprs[parent] as Group, index, M.removeThis()) : undefined);
        continue;
      }
      const kind = kinds[x]!;
      if (kind === NOT) {
        pushFrame(W, fp++, kids[kidStart[x]!]!, -1, INSIDE, 0, 0, 0, null);
        continue;
      }
      if (kind !== AND && kind !== OR) continue;
      const a = kidStart[x]!;
      const ops = kidStart[x + 1]! - a;
      const kept = w.kept;
      for (let i = 0; i < ops; i++) kept[i] = 1;
      let left = ops;
      const e = exprs[x] as Group;
      if (kind === AND) {
        this.prefix(a, ops);
        this.suffixReset();
        for (let i = ops - 1; i >= 0; i--) {
          if (left === 1) break;
          const y = kids[a + i]!;
          // (an operand that always holds is reported when visited)
          if ((known[y]! & 8) !== 0) {
            this.others(i);
            // Implied: the conditions around and the other operands hold, `y` fails, under no combination.
            if ((fields[y]! & (aroundFields | this.othersFields)) !== 0 && !this.possible(aroundHolds, w.othersHolds, fails, y)) {
              this.rep.implied(e as Group & { kind: "and" }, i, this.items(from, count, a, ops, i), y);
              kept[i] = 0;
              left--;
              continue;
            }
          }
          this.suffixAdd(y);
        }
        // The kept operands as conditions around their siblings (for an `and`/`or` among them).
        let groups = false;
        for (let i = 0; i < ops && !groups; i++) groups = kept[i] === 1 && (kinds[kids[a + i]!] === AND || kinds[kids[a + i]!] === OR);
        if (groups) {
          this.prefix(a, ops);
          this.suffixReset();
        }
        for (let i = ops - 1; i >= 0; i--) {
          if (kept[i] === 0) continue;
          const y = kids[a + i]!;
          const k = kinds[y]!;
          if (k === LEAF && (known[y]! & 12) === 12) {
            // nothing to say about it, no parts
          } else if (k !== AND && k !== OR) {
            // Only an `and`/`or` reads what holds around it (a rule, a `not` do not).
            pushFrame(W, fp++, y, x, i, 0, 0, 0, null);
          } else {
            this.others(i);
            const at = ap;
            for (let j = 0; j < count; j++) w.around[ap++] = w.around[from + j]!;
            for (let j = 0; j < ops; j++) if (j !== i && kept[j] === 1) w.around[ap++] = kids[a + j]!;
            const inner = w.othersHolds;
            for (let k2 = 0; k2 < W; k2++) inner[k2] = inner[k2]! & aroundHolds[k2]!;
            pushFrame(W, fp++, y, x, i, at, ap - at, aroundFields | this.othersFields, inner);
          }
          if (groups) this.suffixAdd(y);
        }
        continue;
      }
      this.prefix(a, ops);
      this.suffixReset();
      for (let i = ops - 1; i >= 0; i--) {
        if (left === 1) break;
        const y = kids[a + i]!;
        // (a branch that never holds is reported when visited; one that always holds, at this `or`)
        if ((known[y]! & 12) === 12) {
          if (count > 0 && (fields[y]! & aroundFields) !== 0 && !this.possible(aroundHolds, null, holds, y)) {
            this.rep.contradicting(e as Group & { kind: "or" }, i, this.items(from, count, a, 0, -1), y);
            kept[i] = 0;
            left--;
            continue;
          }
          this.others(i);
          // Contained: the conditions around and `y` hold, the other branches fail, under no combination.
          if ((fields[y]! & this.othersFields) !== 0 && !this.possible(aroundHolds, w.othersFails, holds, y)) {
            const premises: number[] = [];
            for (let j = 0; j < count; j++) premises.push(w.around[from + j]!);
            premises.push(y);
            this.rep.contained(e as Group & { kind: "or" }, i, premises, this.items(0, 0, a, ops, i), y);
            kept[i] = 0;
            left--;
            continue;
          }
        }
        this.suffixAdd(y);
      }
      for (let i = ops - 1; i >= 0; i--) {
        if (kept[i] === 0) continue;
        const y = kids[a + i]!;
        if (kinds[y] === LEAF && (known[y]! & 12) === 12) continue; // nothing to say about it, no parts
        pushFrame(W, fp++, y, x, i, from, count, aroundFields, aroundHolds);
      }
    }
  }

  /** Whether some combination is in `a`, in `b` (unless null) and in part `y`'s mask in `masks`. */
  private possible(a: readonly number[], b: readonly number[] | null, masks: readonly number[], y: number): boolean {
    this.m.questions++;
    const W = this.W;
    if (W === 1) return (a[0]! & (b === null ? -1 : b[0]!) & masks[y]!) !== 0;
    for (let k = 0; k < W; k++) if ((a[k]! & (b === null ? -1 : b[k]!) & masks[y * W + k]!) !== 0) return true;
    return false;
  }

  /**
   * What the kept operands of the part at `a` but the `i`th give together, from the kept operands before
   * `i` (`prefix`) and after it (`suffix…`, added right to left): the union of their fields, and (in
   * `maskWork.othersHolds`, `othersFails`) the `and` of their holds and of their fails. Linear in the
   * operands, where asking each operand about all the others would be quadratic.
   */
  private othersFields = 0;
  private suffixFields = 0;

  /** `maskWork.pre…` at `i`: the kept operands before the `i`th. */
  private prefix(a: number, ops: number): void {
    const { kids, holds, fails, fields } = this.m;
    const W = this.W;
    const { kept, preHolds, preFails, preFields } = maskWork;
    let fs = 0;
    for (let k = 0; k < W; k++) {
      preHolds[k] = -1;
      preFails[k] = -1;
    }
    for (let i = 0; i < ops; i++) {
      preFields[i] = fs;
      const at = i * W;
      if (i + 1 < ops) {
        const y = kids[a + i]!;
        const on = kept[i] === 1;
        for (let k = 0; k < W; k++) {
          preHolds[at + W + k] = on ? preHolds[at + k]! & holds[y * W + k]! : preHolds[at + k]!;
          preFails[at + W + k] = on ? preFails[at + k]! & fails[y * W + k]! : preFails[at + k]!;
        }
        if (on) fs |= fields[y]!;
      }
    }
  }

  private suffixReset(): void {
    const { sufHolds, sufFails } = maskWork;
    for (let k = 0; k < this.W; k++) {
      sufHolds[k] = -1;
      sufFails[k] = -1;
    }
    this.suffixFields = 0;
  }

  private suffixAdd(y: number): void {
    const { holds, fails, fields } = this.m;
    const W = this.W;
    const { sufHolds, sufFails } = maskWork;
    if (W === 1) {
      sufHolds[0] = sufHolds[0]! & holds[y]!;
      sufFails[0] = sufFails[0]! & fails[y]!;
    } else {
      for (let k = 0; k < W; k++) {
        sufHolds[k] = sufHolds[k]! & holds[y * W + k]!;
        sufFails[k] = sufFails[k]! & fails[y * W + k]!;
      }
    }
    this.suffixFields |= fields[y]!;
  }

  private others(i: number): void {
    const W = this.W;
    const { preHolds, preFails, preFields, sufHolds, sufFails, othersHolds, othersFails } = maskWork;
    if (W === 1) {
      othersHolds[0] = preHolds[i]! & sufHolds[0]!;
      othersFails[0] = preFails[i]! & sufFails[0]!;
    } else {
      for (let k = 0; k < W; k++) {
        othersHolds[k] = preHolds[i * W + k]! & sufHolds[k]!;
        othersFails[k] = preFails[i * W + k]! & sufFails[k]!;
      }
    }
    this.othersFields = preFields[i]! | this.suffixFields;
  }

  /** The conditions `around[from, from + count)`, then the kept operands of the part at `a` but the `i`th. */
  private items(from: number, count: number, a: number, ops: number, i: number): Around<number>[] {
    const { exprs, kids } = this.m;
    const out: Around<number>[] = [];
    for (let j = 0; j < count; j++) {
      const p = maskWork.around[from + j]!;
      out.push({ e: exprs[p]!, f: p });
    }
    for (let j = 0; j < ops; j++) {
      if (j === i || maskWork.kept[j] === 0) continue;
      const p = kids[a + j]!;
      out.push({ e: exprs[p]!, f: p });
    }
    return out;
  }
}

/** Writes `MaskWalker`'s frame `fp` (`hold`: W words, null for every combination). */
function pushFrame(W: number, fp: number, x: number, parent: number, index: number, from: number, count: number, field: number, hold: readonly number[] | null): void {
  const w = maskWork;
  w.part[fp] = x;
  w.parent[fp] = parent;
  w.index[fp] = index;
  w.from[fp] = from;
  w.count[fp] = count;
  w.field[fp] = field;
  for (let k = 0; k < W; k++) w.hold[fp * W + k] = hold === null ? -1 : hold[k]!;
}

/** `MaskWalker`'s frames and lists, kept between conditions (one walk at a time). */
const maskWork = {
  part: [] as number[],
  parent: [] as number[],
  index: [] as number[],
  from: [] as number[],
  count: [] as number[],
  field: [] as number[],
  hold: [] as number[],
  around: [] as number[],
  kept: [] as number[],
  aroundHolds: [] as number[],
  othersHolds: [] as number[],
  othersFails: [] as number[],
  preHolds: [] as number[],
  preFails: [] as number[],
  preFields: [] as number[],
  sufHolds: [] as number[],
  sufFails: [] as number[],
};

/** Reports warnings: where a condition goes wrong, the fewest parts that show it, the fix that removes it. */
class Reporter<H> {
  readonly out: Diagnostic[] = [];
  /** The condition as masks, when the walk runs on them (`H` is then a part's number): cores are found on them. */
  masks: PartMasks | null = null;
  /** This reporter's number, for `extentCache.owner` (a number: the cache keeps no reporter alive). */
  private readonly id = ++reporters;

  /** `keptExtent`'s lists hold this reporter's extents (they are emptied when another reporter takes them). */
  private claimExtents(): void {
    if (extentCache.owner === this.id) return;
    extentCache.owner = this.id;
    extentCache.found = 0;
  }

  constructor(
    private readonly r: Oracle<H>,
    private readonly text: string | null,
    /** Lines before the text in the document the user sees. */
    private readonly linesBefore: number,
  ) {}

  /** Operand `i` of `e` is implied by `premises` (the conditions around it and its kept siblings). */
  implied(e: Group & { kind: "and" }, i: number, premises: Around<H>[], x: H): void {
    const ops = e.operands;
    const conclusion = [x];
    const core = this.masks ? this.maskCore(premises, true, NO_PARTS, conclusion) : this.core(premises, (s) => this.r.impliesAny(s.map((p) => p.f), conclusion));
    const only = core.length === 1 ? core[0]! : null;
    const message = only && this.r.same(only.f, x) && only.e.span.start !== ops[i]!.span.start
      ? M.duplicate(this.show(only.e), only.e.span.line + this.linesBefore)
      : M.implied(core.map((p) => this.show(p.e)));
    this.report("redundant", ops[i]!.span, message, this.removal(e, i, M.removeThis()));
  }

  /** Branch `i` of `e` never holds with the conditions `around` it. */
  contradicting(e: Group & { kind: "or" }, i: number, around: Around<H>[], x: H): void {
    const core = this.masks ? this.maskCore(around, true, [x], NO_PARTS) : this.core(around, (s) => this.contradicts(s, x));
    this.report("never-matches", e.operands[i]!.span, M.neverBranch(core.map((a) => this.show(a.e))), this.removal(e, i, M.removeBranch()));
  }

  /** Branch `i` of `e`, with the conditions around it (`premises`, itself last), implies one of `others`. */
  contained(e: Group & { kind: "or" }, i: number, premises: H[], others: Around<H>[], x: H): void {
    const core = this.masks ? this.maskCore(others, false, premises, NO_PARTS) : this.core(others, (s) => this.r.impliesAny(premises, s.map((o) => o.f)));
    const only = core.length === 1 ? core[0]! : null;
    const message = only && this.r.same(only.f, x) ? M.duplicate(this.show(only.e), only.e.span.line + this.linesBefore) : M.contained(core.map((o) => this.show(o.e)));
    this.report("redundant", e.operands[i]!.span, message, this.removal(e, i, M.removeBranch()));
  }

  // ---- explanations --------------------------------------------------------------------------------------

  /** Reports where a condition that never matches goes wrong. */
  explainNever(e: TypedExpr, h: H, fix: Fix | undefined): void {
    switch (e.kind) {
      case "and": {
        const fs = this.r.parts(h, e);
        const items = e.operands.map((o, i) => ({ e: o, f: fs[i]! }));
        const core = this.masks ? this.maskCore(items, true, NO_PARTS, NO_PARTS) : this.core(items, (s) => this.r.neverAll(s.map((x) => x.f)));
        if (core.length === 1) return this.explainNever(core[0]!.e, core[0]!.f, fix);
        if (core.length === 0) return this.report("never-matches", e.span, M.neverRule(this.show(e), null), fix);
        const texts = core.map((x) => this.show(x.e));
        if (contiguous(core.map((x) => x.e), e.operands)) {
          return this.report("never-matches", join(core[0]!.e.span, core[core.length - 1]!.e.span), M.neverTogether(texts), fix);
        }
        return this.report("never-matches", core[core.length - 1]!.e.span, M.neverWith(texts.slice(0, -1)), fix);
      }
      case "or": {
        const fs = this.r.parts(h, e);
        e.operands.forEach((o, i) => this.explainNever(o, fs[i]!, i === 0 ? fix : undefined));
        return;
      }
      case "not":
        return this.report("never-matches", e.span, M.neverNot(), fix);
      case "segment":
        return this.report("never-matches", e.span, M.neverSegment(e.name), fix);
      case "rule":
        return this.report("never-matches", e.span, M.neverRule(this.show(e), ruleReason(e)), fix);
      case "event": {
        const why = this.r.eventNever(e);
        if (why === "window") return this.report("never-matches", e.span, M.emptyWindow(), fix);
        if (why === "filter") return this.explainNever(e.filter!, this.r.of(e.filter!), fix);
        const m = e.measure;
        const reason = (m.kind === "first" || m.kind === "last") && e.window
          ? reasons.timeInWindow(m.kind)
          : m.kind === "aggregate" && e.filter ? reasons.aggregateInFilter(AGGREGATE_WORDS[m.fn], m.property.name) : null;
        return this.report("never-matches", e.span, M.neverRule(this.show(e), reason), fix);
      }
    }
  }

  /** Reports where a condition that always holds does so; `tail` says what that means in its place. */
  explainAlways(e: TypedExpr, h: H, tail: string, fix: Fix | undefined): void {
    switch (e.kind) {
      case "or": {
        const fs = this.r.parts(h, e);
        const items = e.operands.map((o, i) => ({ e: o, f: fs[i]! }));
        const core = this.masks ? this.maskCore(items, false, NO_PARTS, NO_PARTS) : this.core(items, (s) => this.r.alwaysAny(s.map((x) => x.f)));
        if (core.length === 1) return this.explainAlways(core[0]!.e, core[0]!.f, tail, fix);
        const span = core.length > 0 && contiguous(core.map((x) => x.e), e.operands) ? join(core[0]!.e.span, core[core.length - 1]!.e.span) : e.span;
        return this.report("always-true", span, M.alwaysTogether(core.map((x) => this.show(x.e))) + tail, fix);
      }
      case "and":
        return this.report("always-true", e.span, M.alwaysAll() + tail, fix);
      case "not":
        return this.report("always-true", e.span, M.alwaysNot() + tail, fix);
      case "segment":
        return this.report("always-true", e.span, M.alwaysSegment(e.name) + tail, fix);
      case "rule":
        return this.report("always-true", e.span, M.alwaysRule(this.show(e), ruleReason(e)) + tail, fix);
      case "event":
        if (isAtLeastZero(e)) return; // the checker says so
        return this.report("always-true", e.span, M.alwaysRule(this.show(e), null) + tail, fix);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /**
   * A condition as quoted in a message: its text as written (blanks collapsed, its own parentheses kept
   * balanced), or canonical text when there is no source text or the part holds a comment.
   */
  private show(e: TypedExpr): string {
    if (this.text !== null) {
      this.claimExtents();
      const at = keptExtent(this.text, e.span);
      if (at) {
        const form = writtenForm(this.text, at.start, at.end);
        // Most parts are written on one line with single spaces: then no new string is needed.
        if (form === AS_WRITTEN) return this.text.slice(at.start, at.end);
        if (form === ODD_BLANKS) return this.text.slice(at.start, at.end).replace(/\s+/g, " ");
      }
    }
    return renderTyped(e);
  }

  /**
   * The fewest items (in order) that still satisfy `holds`: each item is dropped in turn when the rest
   * still do. `holds(items)` must be true. Of more than CORE_SCAN items, the first that satisfies it alone
   * is taken when there is one; at most CORE_TESTS drops are tried (the rest is kept: still a set that
   * satisfies it, perhaps not the fewest).
   */
  private core<T>(items: readonly T[], holds: (subset: T[]) => boolean): T[] {
    if (items.length > CORE_SCAN) for (const x of items) if (holds([x])) return [x];
    let core = items.slice();
    for (let i = 0, tests = 0; i < core.length && core.length > 1 && tests < CORE_TESTS; tests++) {
      const without: T[] = [];
      for (let j = 0; j < core.length; j++) if (j !== i) without.push(core[j]!);
      if (holds(without)) core = without;
      else i++;
    }
    return core;
  }

  /**
   * `core` on the masks, for the question "no combination lets the items hold (`itemsHold`, else fail),
   * `hold` hold and `fail` fail" (parts apart from each other, as the walk asks): an item is dropped when
   * the `and` of the other items' masks and the fixed ones' is still empty.
   */
  private maskCore(items: readonly Around<H>[], itemsHold: boolean, hold: readonly H[], fail: readonly H[]): Around<H>[] {
    const m = this.masks!;
    const W = m.words;
    const own = itemsHold ? m.holds : m.fails;
    const n = items.length;
    // `core`'s deletion in one pass (linear, where asking afresh for each item would be quadratic, and
    // cubic over a condition of many warnings): item i is dropped when the items kept before it (`kept`),
    // every item after it (`after`, the fixed masks included) and the fixed ones leave no combination.
    const { after, kept } = coreWork;
    // Grown in order (an array written out of order turns holey, slower to read).
    while (after.length < (n + 1) * W) after.push(0);
    for (let k = 0; k < W; k++) {
      let acc = -1;
      for (const p of hold) acc &= m.holds[(p as number) * W + k]!;
      for (const p of fail) acc &= m.fails[(p as number) * W + k]!;
      after[n * W + k] = acc;
      kept[k] = -1;
    }
    for (let j = n - 1; j >= 0; j--) {
      const at = (items[j]!.f as number) * W;
      for (let k = 0; k < W; k++) after[j * W + k] = after[(j + 1) * W + k]! & own[at + k]!;
    }
    if (n > CORE_SCAN) {
      for (const x of items) {
        const at = (x.f as number) * W;
        let possible = false;
        for (let k = 0; k < W && !possible; k++) possible = (after[n * W + k]! & own[at + k]!) !== 0;
        if (!possible) return [x];
      }
    }
    const core: Around<H>[] = [];
    for (let i = 0, tests = 0; i < n; i++) {
      // (as `core`: one item is never dropped; past CORE_TESTS tests the rest is kept)
      if (core.length + (n - i) <= 1 || tests++ >= CORE_TESTS) {
        core.push(items[i]!);
        continue;
      }
      let possible = false;
      for (let k = 0; k < W && !possible; k++) possible = (kept[k]! & after[(i + 1) * W + k]!) !== 0;
      if (!possible) continue;
      core.push(items[i]!);
      const at = (items[i]!.f as number) * W;
      for (let k = 0; k < W; k++) kept[k] = kept[k]! & own[at + k]!;
    }
    return core;
  }

  /** Proved: `x` never holds together with the conditions `s`. */
  contradicts(s: readonly Around<H>[], x: H): boolean {
    const xs: H[] = [];
    for (const a of s) xs.push(a.f);
    xs.push(x);
    return this.r.neverAll(xs);
  }

  /** The fix that removes operand `index` of `parent`. */
  removal(parent: Group, index: number, title: string): Fix | undefined {
    if (this.text === null) return undefined;
    this.claimExtents();
    const ops = parent.operands;
    const range = removalRangeAt(this.text, ops[index - 1]?.span ?? null, ops[index]!.span, ops[index + 1]?.span ?? null, parent.kind, keptExtent);
    if (!range) return undefined;
    return { title, edits: [{ span: spanNear(this.text, ops[index]!.span, range.start, range.end), text: "" }] };
  }

  private report(code: "never-matches" | "always-true" | "redundant", span: Span, message: string, fix?: Fix): void {
    this.out.push(warning(code, span, message, fix));
  }
}
/**
 * Past this many items, a warning's fewest parts are first sought among single items (most warnings have
 * one: a repeat, a tighter bound), in one test each.
 */
const CORE_SCAN = 16;

/**
 * Most items a warning's fewest parts are sought by dropping (one test each, and a test reads every item
 * left): on a condition of thousands of parts, each warning would otherwise cost a test per part.
 */
const CORE_TESTS = 64;

/** Reporters made so far (their numbers). */
let reporters = 0;

/** Extents one reporter keeps (see `keptExtent`). */
const MAX_KEPT_EXTENTS = 32;

/**
 * `keptExtent`'s spans and their extents (`found` of them), of the reporter that claimed them last: lists
 * shared by the conditions, where a map per condition cost more than the reads it saved.
 */
const extentCache = { owner: 0, found: 0, spans: [] as Span[], extents: [] as ({ start: number; end: number } | null)[] };

/**
 * `extent`, kept per span for the reporter that claimed `extentCache`: a warning's quoted parts and its fix
 * often read the same operands. Searched from the last found (a condition's warnings read few spans);
 * past MAX_KEPT_EXTENTS, extents are computed afresh.
 */
function keptExtent(text: string, span: Span): { start: number; end: number } | null {
  const { spans, extents, found } = extentCache;
  for (let i = found - 1; i >= 0; i--) if (spans[i] === span) return extents[i]!;
  const at = extent(text, span);
  if (found < MAX_KEPT_EXTENTS) {
    spans[found] = span;
    extents[found] = at;
    extentCache.found = found + 1;
  }
  return at;
}

/** `writtenForm`: quoted as written; with blanks to collapse (a run of two, or one other than a space); holding a comment (`--`). */
const AS_WRITTEN = 0;
const ODD_BLANKS = 1;
const HAS_COMMENT = 2;

/**
 * How `show` quotes `text[start, end)`, read in one pass by char code (where a test of `includes("--")`
 * and of a regular expression ran before, each code that is cold after a parse and a check): blanks are
 * what `\s` matches in a regular expression.
 */
function writtenForm(text: string, start: number, end: number): number {
  let form = AS_WRITTEN;
  let blank = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 45 && i + 1 < end && text.charCodeAt(i + 1) === 45) return HAS_COMMENT;
    const isBlank = c === 32 || (c >= 9 && c <= 13) || (c >= 0xa0 && isOtherSpace(c));
    if (isBlank && (blank || c !== 32)) form = ODD_BLANKS;
    blank = isBlank;
  }
  return form;
}

/** `\s` past ASCII: no-break space, Ogham space mark, the spaces U+2000-U+200A, line and paragraph separators, narrow no-break space, medium mathematical space, ideographic space, byte order mark. */
function isOtherSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The kept operands but the `i`th, with their handles, after `before` (the conditions around). */
function operands<H>(ops: readonly TypedExpr[], fs: readonly H[], kept: readonly number[], i: number, before?: readonly Around<H>[]): Around<H>[] {
  const out: Around<H>[] = before ? before.slice() : [];
  for (const j of kept) if (j !== i) out.push({ e: ops[j]!, f: fs[j]! });
  return out;
}

/** 0, 1, …, n - 1. */
function allIndices(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i);
  return out;
}

/** `Reporter.maskCore`'s masks: of the items from each on (with the fixed ones), of the items kept. */
const coreWork = { after: [] as number[], kept: [] as number[] };

/** No parts (a question's empty list). */
const NO_PARTS: readonly never[] = [];

/** The surroundings of a part that does not read them. */
const NOTHING_AROUND: readonly Around<unknown>[] = [];

const AGGREGATE_WORDS = { sum: "sum", avg: "average", min: "minimum", max: "maximum" } as const;

/** `performed "X" at least 0 times`: the checker warns about it already. */
function isAtLeastZero(e: TypedExpr): boolean {
  return e.kind === "event" && e.measure.kind === "count" && e.measure.cmp === ">=" && e.measure.count === 0;
}

/** A simple reason why a rule never holds (or, negated, always holds), when there is one. */
function ruleReason(e: TypedExpr & { kind: "rule" }): string | null {
  const t = e.test;
  const date = e.field.type === "date";
  const ms = (v: Literal): number | null => (v.kind === "instant" ? v.ms : null);
  if (t.op === "between") {
    if (t.low.kind === "number" && t.high.kind === "number" && t.low.value > t.high.value) return reasons.lowAboveHigh;
    const lo = ms(t.low);
    const hi = ms(t.high);
    if (lo !== null && hi !== null && lo > hi) return reasons.lowAboveHigh;
  }
  if (t.op === "eq" && t.value.kind === "string" && t.value.value === "") return reasons.emptyText;
  if (t.op === "in" && t.values.every((v) => v.kind === "string" && v.value === "")) return reasons.emptyText;
  if (date && (t.op === "eq" || t.op === "in")) {
    const values = t.op === "eq" ? [t.value] : t.values;
    if (values.every((v) => ms(v) !== null && ms(v)! % DAY !== 0)) return reasons.midnight;
  }
  return null;
}

/** Whether `items` are consecutive operands of `operands`. */
function contiguous(items: readonly TypedExpr[], operands: readonly TypedExpr[]): boolean {
  const idx = items.map((x) => operands.indexOf(x));
  return idx.every((x, i) => x >= 0 && (i === 0 || x === idx[i - 1]! + 1));
}

function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end, line: a.line, column: a.column };
}
