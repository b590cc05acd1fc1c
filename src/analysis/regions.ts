/**
 * The cheap engine of the warnings: a condition over finitely many *regions* per field, decided with bit
 * masks (oracle.ts has the questions; warnings.ts asks them).
 *
 * The idea. The walk only ever asks whether some combination of the condition's parts can hold at once.
 * Its parts are built with `and`/`or`/`not` from *leaves* (rules), each testing one field. For one field
 * with leaves L1…Lk, what matters about a contact's value is the vector of the leaves' truth values; call
 * each vector that some value gives a *region* of the field. Fields are independent (any combination of
 * their values is some contact), so a contact is, as far as the condition can tell, one region per field,
 * and every choice of regions is some contact. A leaf is then a bit mask over its field's regions, a
 * part's truth a function of the chosen regions, and "can these parts hold together" a bitwise `and` (a
 * word per 32 combinations) when the fields of two or more rules have at most MAX_COMBOS combinations of
 * regions (`partBits`: nearly every condition; the walk then runs on the masks, warnings.ts
 * `MaskWalker`), else a small search over masks (`RegionOracle.sat`): no formula, no set and no string is
 * built per question.
 *
 * Finding the regions, per field (`buildRegions`), from representative values whose vectors are read off:
 * - numbers, timestamps, dates: the leaves' exact sets of values (value-sets.ts, as warning-free.ts reads
 *   them at FIXED_NOW) cut the line into pieces on which every leaf is constant; one value per piece,
 *   plus the empty value;
 * - booleans: empty, true, false;
 * - text: the values named by `=`/`in`, each needle of `contains`/`starts with`/`ends with`, one value
 *   that is none of those, the empty value;
 * - lists: every subset of the values named, with and without another element, and the empty list.
 * These are exact for rules on absolute values and `=`/`in` text (every region is found). Where they may
 * miss a region (a time relative to `now`, whose regions can differ from one `now` to another; two or more
 * text patterns), each vector no representative gave is put to the time graph (time-graph.ts), the text
 * theory or a reasoner kept per schema (`now` symbolic, as the full analysis): unless it proves the vector
 * impossible for every `now`, it counts as a region. A region too many only hides a warning; a region too
 * few is never assumed.
 *
 * Why the answers are the walk's: every warning is a proof that some combination never holds (for every
 * contact and every `now`); over the regions, such a combination is impossible exactly when no contact at
 * any `now` meets it (the regions found at FIXED_NOW exist; the others are kept unless proved impossible
 * at every `now`). So a proof here is a proof, and where the full reasoner proves something, the regions
 * do too, unless the reasoner proved a vector impossible that they kept.
 *
 * Not modelled (the caller falls back to the reasoner for the whole condition): event conditions,
 * segment references, times relative to `now` on two or more fields (one `now` ties them), more than
 * MAX_ANALYSED_RULES rules (the caller says it is too large), more than MAX_FIELDS fields, a field with more than MAX_REGIONS regions or, when
 * vectors are put to the reasoner, more than MAX_ASKED leaves; and a search that takes more than
 * MAX_STEPS steps.
 */
import type { Literal, TimeUnit, TypedEvent, TypedExpr, TypedRule } from "../checker/typed-ast.js";
import type { TimeZone } from "../checker/zone.js";
import { containsFold, endsFold, foldAscii, MAX_INSTANT, MIN_INSTANT, startsFold } from "../compiler/predicate/runtime.js";
import type { Schema } from "../schema/schema.js";
import { Formulas, type Atom, type Node, type Var } from "./formula.js";
import { AND, LEAF, NOT, OR, type Oracle, type PartMasks } from "./oracle.js";
import { nextUp, type OrderedSet } from "./ordered-set.js";
import { PerSchemaAndZone } from "./per-schema.js";
import { Reasoner } from "./reasoner.js";
import { MAX_ANALYSED_RULES } from "./size.js";
import { solveText, type TextLit } from "./text-theory.js";
import { timesPossible, type TimeBound } from "./time-graph.js";
import { DAY, type ValueSet } from "./value-sets.js";
import { nonConstantAlone, positiveSet, typeDomain } from "./warning-free.js";

/** Most fields one condition may test (a bit per field in a part's set of fields). */
export const MAX_FIELDS = 30;
/** Most regions of one field (a bit per region in a leaf's mask). */
export const MAX_REGIONS = 30;
/** Most leaves of one field whose missing vectors are put to the reasoner (2^k vectors). */
export const MAX_ASKED = 5;
/** Most values named by the list rules of one field (2^m subsets are tried). */
const MAX_LIST_VALUES = 6;
/**
 * Steps (parts evaluated in a search; narrowing a field's regions is free) one condition's questions may
 * take before it is left to the reasoner, unless the caller gives its own (`AnalysisOptions.steps`).
 */
export const MAX_STEPS = 20_000;

/** Thrown when a question takes more than MAX_STEPS: the caller falls back to the reasoner. */
export class RegionsGaveUp extends Error {
  constructor() {
    super("analysis regions: out of steps");
  }
}

/**
 * A condition as parts over regions, numbered in post-order (a part's parts come before it; part `i`'s
 * subtree is `start[i]..i`). The oracle's handles are these numbers.
 */
export class RegionOracle implements Oracle<number>, PartMasks {
  /** Parts evaluated so far (bounded by `limit`). */
  steps = 0;
  /** Steps allowed (MAX_STEPS unless the caller gives its own budget). */
  limit = MAX_STEPS;
  /** Questions asked (for the benchmark's counts). */
  questions = 0;
  /**
   * Every field's leaves meet in every combination (each field has 2^k regions for its k leaves): then the
   * condition behaves as its tree over free, independent leaves (a read-once formula), in which no part is
   * constant, implied or contained (the argument of warning-free.ts), so the walk would find nothing.
   */
  readOnce = false;
  /**
   * Whether `holds`/`fails` answer the questions (see `partBits`): when the fields of two or more rules
   * have at most MAX_COMBOS combinations of regions. Otherwise the questions are searched (`sat`).
   */
  readonly bits: boolean;
  /** Words per part in `holds`/`fails` (0 without `bits`). */
  readonly words: number;
  /**
   * Whether what the search reads is made (`tree`; without `bits`, `known` too): on the first question
   * that needs it, so a read-once condition, which nobody asks, costs no pass for it.
   */
  private tree = false;
  /**
   * Per part: bit 1 "can hold" and bit 2 "can fail" are known, bit 4 it can hold, bit 8 it can fail (with
   * `bits`, `partBits` sets every part's from its masks).
   */
  readonly known: number[];
  /**
   * With `bits`, per part (`words` numbers from `part * words`): the combinations of regions (one bit each)
   * under which it can hold, can fail.
   */
  readonly holds: readonly number[];
  readonly fails: readonly number[];
  /** The three-valued truth of each part under the domains being tried (1 true, 0 false, 2 open). */
  private readonly val: number[];
  /** Domains per search depth: `nFields` masks per level. */
  private readonly doms: number[];
  private readonly work: number[];
  /** Items on `work`. */
  private wp = 0;
  private readonly residual: number[];
  private readonly frames: number[];
  /** The typed parts by number (the condition is the last). */
  readonly exprs: readonly TypedExpr[];
  readonly kinds: readonly number[];
  /** The one field a part depends on, or -1. */
  private readonly single: readonly number[];
  /** For a part of one field: the regions where it holds. */
  private readonly mask: readonly number[];
  /** The fields a part depends on, a bit each. */
  readonly fields: readonly number[];
  /** The first part of each part's subtree. */
  private readonly start: readonly number[];
  /** Where each part's operands start in `kids` (and end: the next part's start). */
  readonly kidStart: readonly number[];
  readonly kids: readonly number[];
  /** Every region of each field. */
  private readonly full: readonly number[];

  /** Over the workspace's arrays as `buildRegions` left them: `n` parts (`exprs`), `nf` fields. */
  constructor(
    private readonly space: Space,
    exprs: readonly TypedExpr[],
    readonly n: number,
    private readonly nf: number,
    words: number,
  ) {
    this.bits = words > 0;
    this.words = words;
    this.known = space.known;
    this.holds = space.holds;
    this.fails = space.fails;
    this.val = space.val;
    this.doms = space.doms;
    this.work = space.work;
    this.residual = space.residual;
    this.frames = space.frames;
    this.exprs = exprs;
    this.kinds = space.kinds;
    this.single = space.single;
    this.mask = space.mask;
    this.fields = space.fields;
    this.start = space.starts;
    this.kidStart = space.kidStarts;
    this.kids = space.kidList;
    this.full = space.full;
    space.owner = this;
  }

  of(e: TypedExpr): number {
    this.mine();
    for (let i = this.n - 1; i >= 0; i--) if (this.exprs[i] === e) return i;
    throw new Error("analysis regions: a part of another condition");
  }

  /** `tree` over the workspace; without `bits`, with what follows from the parts alone in `known`. */
  private makeTree(): void {
    this.mine();
    tree(this.space, this.n, !this.bits);
    this.tree = true;
  }

  /** The workspace is shared: only the oracle built last may read it. */
  private mine(): void {
    if (this.space.owner !== this) throw new Error("analysis regions: an oracle used after another was built");
  }

  parts(x: number, _e: TypedExpr): number[] {
    return this.kids.slice(this.kidStart[x], this.kidStart[x + 1]);
  }

  never(x: number): boolean {
    if (!this.tree && !this.bits) this.makeTree();
    let k = this.known[x]!;
    if ((k & 1) === 0) this.known[x] = k |= this.ask1(x, 1) ? 5 : 1;
    return (k & 4) === 0;
  }

  settled(x: number): boolean {
    if (!this.tree && !this.bits) this.makeTree();
    return (this.known[x]! & 15) === 15;
  }

  always(x: number): boolean {
    if (!this.tree && !this.bits) this.makeTree();
    let k = this.known[x]!;
    if ((k & 2) === 0) this.known[x] = k |= this.ask1(x, 0) ? 10 : 2;
    return (k & 8) === 0;
  }

  neverAll(xs: readonly number[]): boolean {
    if (this.bits && this.apart(xs, NONE)) return this.noCombination(xs, NONE);
    const l = this.begin();
    for (const x of xs) l.push((x << 1) | 1);
    return !this.sat(l);
  }

  alwaysAny(xs: readonly number[]): boolean {
    if (this.bits && this.apart(xs, NONE)) return this.noCombination(NONE, xs);
    const l = this.begin();
    for (const x of xs) l.push(x << 1);
    return !this.sat(l);
  }

  impliesAny(premises: readonly number[], xs: readonly number[]): boolean {
    if (this.bits && this.apart(premises, xs)) return this.noCombination(premises, xs);
    const l = this.begin();
    for (const p of premises) l.push((p << 1) | 1);
    for (const x of xs) l.push(x << 1);
    return !this.sat(l);
  }

  /** With `bits`: no combination lets every part of `hold` hold and every part of `fail` fail. */
  private noCombination(hold: readonly number[], fail: readonly number[]): boolean {
    this.questions++;
    const W = this.words;
    for (let w = 0; w < W; w++) {
      let can = -1;
      for (const p of hold) can &= this.holds[p * W + w]!;
      for (const x of fail) can &= this.fails[x * W + w]!;
      if (can !== 0) return false;
    }
    return true;
  }

  /**
   * Whether the parts of `a` and `b` are pairwise apart (no part inside another, none twice): what
   * `partBits` needs to answer a question exactly. The walk only asks about such parts (operands, and
   * operands of the enclosing `and`s); anything else is searched.
   */
  private apart(a: readonly number[], b: readonly number[]): boolean {
    const start = this.start;
    const na = a.length;
    const n = na + b.length;
    for (let i = 1; i < n; i++) {
      const x = i < na ? a[i]! : b[i - na]!;
      for (let j = 0; j < i; j++) {
        const y = j < na ? a[j]! : b[j - na]!;
        if ((start[x]! <= y && y <= x) || (start[y]! <= x && x <= y)) return false;
      }
    }
    return true;
  }

  /**
   * The same rule (one field, the same regions), or the same connective over the same rules in any order:
   * what the reasoner's shared formulas make one node, so that "this repeats" is said of what repeats as
   * written, not of anything equivalent.
   */
  same(a: number, b: number): boolean {
    if (a === b) return true;
    const k = this.kinds[a]!;
    if (k !== this.kinds[b]) return false;
    if (k === LEAF) return this.sameLeaf(a, b);
    const a0 = this.kidStart[a]!;
    const b0 = this.kidStart[b]!;
    const n = this.kidStart[a + 1]! - a0;
    if (n !== this.kidStart[b + 1]! - b0) return false;
    let used = 0;
    for (let i = 0; i < n; i++) {
      const x = this.kids[a0 + i]!;
      let found = false;
      for (let j = 0; j < n && j < 31; j++) {
        if (used & (1 << j)) continue;
        const y = this.kids[b0 + j]!;
        if (this.kinds[x] === LEAF && this.kinds[y] === LEAF && this.sameLeaf(x, y)) {
          used |= 1 << j;
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  private sameLeaf(a: number, b: number): boolean {
    return this.space.leafField[a] === this.space.leafField[b] && this.mask[a] === this.mask[b];
  }

  shares(x: number, y: number): boolean {
    return (this.fields[x]! & this.fields[y]!) !== 0;
  }

  eventNever(_e: TypedEvent): "window" | "filter" | null {
    throw new Error("analysis regions: event conditions are left to the reasoner");
  }

  masks(): PartMasks | null {
    this.mine();
    return this.bits ? this : null;
  }

  private begin(): number[] {
    this.questions++;
    // A fresh small array: cheaper than emptying a kept one (`length = 0` is a call into the runtime).
    return [];
  }

  private ask1(x: number, pol: number): boolean {
    return this.sat([(x << 1) | pol]);
  }

  /**
   * Whether the parts can hold as asked, each `(part << 1) | 1` to hold or `part << 1` to fail, for some
   * choice of one region per field.
   *
   * A search over the parts, as a SAT solver over clauses: what is asked is *narrowed* first (a part of
   * one field narrows its field's regions; `and` to hold, `or` to fail, `not` pass it on to their parts);
   * what is left are *choices*, parts of several fields that hold as asked when one of their parts does
   * (`or` to hold, `and` to fail). A level keeps the regions left per field and its open choices; it drops
   * the choices already met, fails on one that cannot be, and otherwise takes the first open choice and
   * tries each of its parts in turn as a narrowing (each level closes a choice, so depth <= parts).
   */
  sat(asked: readonly number[]): boolean {
    if (!this.tree) this.makeTree();
    const nf = this.nf;
    const d = this.doms;
    for (let f = 0; f < nf; f++) d[f] = this.full[f]!;
    const res = this.residual;
    for (const a of asked) this.work[this.wp++] = a;
    let re = this.narrow(d, 0, 0);
    if (re < 0) return false;
    // Frames of five numbers: level, choice part, next of its parts to try, its level's open choices
    // [start, end).
    const frames = this.frames;
    let fp = 0;
    let level = 0;
    let rs = 0;
    for (;;) {
      // Keep this level's open choices (in place); fail on one that cannot be met.
      const base = level * nf;
      let open = rs;
      let failed = false;
      for (let r = rs; r < re; r++) {
        const c = res[r]!;
        const v = this.truth(c >> 1, d, base);
        if (v === 2) res[open++] = c;
        else if (v !== (c & 1)) {
          failed = true;
          break;
        }
      }
      if (!failed) {
        if (open === rs) return true;
        const c = res[rs]!;
        frames[fp++] = level;
        frames[fp++] = c;
        frames[fp++] = this.kidStart[c >> 1]!;
        frames[fp++] = rs;
        frames[fp++] = open;
      }
      // The next part to try of the innermost choice with parts left.
      for (;;) {
        if (fp === 0) return false;
        const top = fp - 5;
        const c = frames[top + 1]!;
        const x = c >> 1;
        const pol = c & 1;
        const j = frames[top + 2]!;
        if (j >= this.kidStart[x + 1]!) {
          fp = top;
          continue;
        }
        frames[top + 2] = j + 1;
        const kid = this.kids[j]!;
        const parent = frames[top]!;
        const pBase = parent * nf;
        // A part already failing as asked (at the choice's level) is no way to meet it.
        if (this.truth(kid, d, pBase) === (pol ^ 1)) continue;
        level = parent + 1;
        const cBase = level * nf;
        for (let f = 0; f < nf; f++) d[cBase + f] = d[pBase + f]!;
        // The child level's open choices: its parent's but this one, then what narrowing leaves.
        const ps = frames[top + 3]!;
        const pe = frames[top + 4]!;
        rs = pe;
        let w = rs;
        for (let r = ps + 1; r < pe; r++) res[w++] = res[r]!;
        this.work[this.wp++] = (kid << 1) | pol;
        re = this.narrow(d, cBase, w);
        if (re >= 0) break;
      }
    }
  }

  /**
   * Narrows the regions at `base` by the items on the work stack; the choices left are appended to the
   * open choices from `end`. The new end, or -1 when some field has no region left.
   */
  private narrow(d: number[], base: number, end: number): number {
    const work = this.work;
    const res = this.residual;
    while (this.wp > 0) {
      const c = work[--this.wp]!;
      const x = c >> 1;
      const pol = c & 1;
      const f = this.single[x]!;
      if (f >= 0) {
        const m = pol ? d[base + f]! & this.mask[x]! : d[base + f]! & ~this.mask[x]!;
        if (m === 0) {
          this.wp = 0;
          return -1;
        }
        d[base + f] = m;
        continue;
      }
      const k = this.kinds[x]!;
      if (k === NOT) work[this.wp++] = (this.kids[this.kidStart[x]!]! << 1) | (pol ^ 1);
      else if ((k === AND && pol === 1) || (k === OR && pol === 0)) {
        for (let j = this.kidStart[x]!; j < this.kidStart[x + 1]!; j++) work[this.wp++] = (this.kids[j]! << 1) | pol;
      } else res[end++] = c;
    }
    return end;
  }

  /** The three-valued truth of part `x` (1, 0, 2 open) under the domains at `base`. */
  private truth(x: number, d: readonly number[], base: number): number {
    const val = this.val;
    const from = this.start[x]!;
    this.steps += x - from + 1;
    if (this.steps > this.limit) throw new RegionsGaveUp();
    for (let i = from; i <= x; i++) {
      const f = this.single[i]!;
      if (f >= 0) {
        const dom = d[base + f]!;
        const m = this.mask[i]!;
        val[i] = (dom & ~m) === 0 ? 1 : (dom & m) === 0 ? 0 : 2;
        continue;
      }
      const k = this.kinds[i]!;
      const a = this.kidStart[i]!;
      const b = this.kidStart[i + 1]!;
      if (k === NOT) {
        const v = val[this.kids[a]!]!;
        val[i] = v === 2 ? 2 : v ^ 1;
      } else if (k === AND) {
        let v = 1;
        for (let j = a; j < b; j++) {
          const w = val[this.kids[j]!]!;
          if (w === 0) {
            v = 0;
            break;
          }
          if (w === 2) v = 2;
        }
        val[i] = v;
      } else {
        let v = 0;
        for (let j = a; j < b; j++) {
          const w = val[this.kids[j]!]!;
          if (w === 1) {
            v = 1;
            break;
          }
          if (w === 2) v = 2;
        }
        val[i] = v;
      }
    }
    return val[x]!;
  }
}

/**
 * The arrays of the condition being analysed, kept between calls (one condition after another reuses
 * them: no allocation per condition but what a field's regions need). Plain arrays, not typed ones: a typed
 * array's buffer lives outside the heap and costs more to make than these few numbers.
 */
class Space {
  owner: RegionOracle | null = null;
  exprs: TypedExpr[] = [];
  kinds: number[] = [];
  starts: number[] = [];
  kidStarts: number[] = [];
  kidList: number[] = [];
  leafField: number[] = [];
  single: number[] = [];
  mask: number[] = [];
  fields: number[] = [];
  known: number[] = [];
  holds: number[] = [];
  fails: number[] = [];
  /** Per field: where its first region's bit sits in a combination's number (0: a field of one rule). */
  stride: number[] = [];
  /** Per field and region, the combinations holding that region (`regionAt[f]` is field f's first). */
  regionCombos: number[] = [];
  regionAt: number[] = [];
  val: number[] = [];
  doms: number[] = [];
  work: number[] = [];
  residual: number[] = [];
  frames: number[] = [];
  full: number[] = [];
  /** Per field: its schema entry, how many leaves it has, its first leaf. */
  fieldDefs: object[] = [];
  fieldCount: number[] = [];
  fieldFirst: number[] = [];
  fieldLast: number[] = [];
  /** Per part: the next leaf of the same field (-1: none, or not a leaf), so a field's leaves are read without a scan of every part. */
  leafNext: number[] = [];
  /** `postOrder`'s stack: expressions, how many of their operands are done. */
  stack: TypedExpr[] = [];
  stage: number[] = [];
  /** While numbering: the parts numbered and not yet taken as an operand. */
  pending: number[] = [];
}

const space = new Space();

/**
 * The nodes of `root` in post-order (each after its operands, the condition last) into `out`, for a
 * condition that came without its list (`TypedSegment.parts`); its length. Events' filters and referenced
 * segments are not entered: the caller gives up at such a node.
 */
function postOrder(root: TypedExpr, out: TypedExpr[], sp: Space): number {
  const { stack, stage } = sp;
  let n = 0;
  let top = 0;
  stack[0] = root;
  stage[0] = 0;
  while (top >= 0) {
    const e = stack[top]!;
    const k = e.kind;
    const ops = k === "and" || k === "or" ? e.operands : null;
    const done = stage[top]!;
    if (ops !== null ? done < ops.length : k === "not" && done === 0) {
      stage[top] = done + 1;
      stack[++top] = ops !== null ? ops[done]! : (e as TypedExpr & { kind: "not" }).operand;
      stage[top] = 0;
      continue;
    }
    out[n++] = e;
    top--;
  }
  return n;
}

/**
 * The regions of a condition, or null when it is not modelled (see the module comment): the caller then
 * asks the reasoner. `parts`: the condition's nodes in post-order as the checker made them
 * (`TypedSegment.parts`), read instead of walking the tree; without them the tree is walked. The oracle is
 * valid until the next call (its arrays are reused).
 */
export function buildRegions(expr: TypedExpr, schema: Schema, zone: TimeZone, text: string | undefined, parts?: readonly TypedExpr[]): RegionOracle | null {
  const sp = space;
  sp.owner = null;
  const { kinds, starts, kidStarts, kidList, leafField, leafNext, fieldDefs, fieldCount, fieldFirst, fieldLast, pending, mask, fields } = sp;
  let exprs: readonly TypedExpr[];
  let n: number;
  if (parts !== undefined && parts.length > 0 && parts[parts.length - 1] === expr) {
    exprs = parts;
    n = parts.length;
  } else {
    exprs = sp.exprs;
    n = postOrder(expr, sp.exprs, sp);
  }
  // The parts by number, in post-order: a part's operands are the last `operands` parts numbered before
  // it and not yet taken (`pending`).
  let nk = 0;
  let nf = 0;
  let pp = 0;
  // The one field whose rules are relative to `now`, if any: rules of two such fields are tied through
  // the one `now` (`a within last 1 day and b before 1 month ago`), so their fields do not combine freely.
  let relativeField = -1;
  let leaves = 0;
  for (let i = 0; i < n; i++) {
    const e = exprs[i]!;
    const k = e.kind;
    if (k === "rule") {
      // Larger conditions are the caller's to refuse (it counts their references' rules too).
      if (++leaves > MAX_ANALYSED_RULES) return null;
      // Fields by their schema entry, compared by identity (cheaper than a map for a few fields).
      const field = e.field;
      const def = field.def;
      let f = 0;
      while (f < nf && fieldDefs[f] !== def) f++;
      if (f === nf) {
        if (nf === MAX_FIELDS) return null;
        fieldDefs[nf] = def;
        fieldCount[nf] = 0;
        fieldFirst[nf] = i;
        nf++;
      } else leafNext[fieldLast[f]!] = i;
      fieldLast[f] = i;
      const type = field.type;
      if ((type === "timestamp" || type === "date") && isRelative(e)) {
        if (relativeField === -1) relativeField = f;
        else if (relativeField !== f) return null;
      }
      fieldCount[f]!++;
      kinds[i] = LEAF;
      starts[i] = i;
      leafField[i] = f;
      // Each part's fields (what the walk reads, and `partBits`), and its mask zeroed, as it is numbered:
      // written in order (an array written out of order turns holey, slower to read).
      fields[i] = 1 << f;
      kidStarts[i] = nk;
    } else {
      // (events and references are not modelled)
      const count = k === "and" || k === "or" ? e.operands.length : k === "not" ? 1 : -1;
      if (count < 0 || count > pp) return null;
      kinds[i] = k === "and" ? AND : k === "or" ? OR : NOT;
      let fs = 0;
      const first = pp - count;
      starts[i] = starts[pending[first]!]!;
      for (let j = first; j < pp; j++) {
        const kid = pending[j]!;
        kidList[nk + j - first] = kid;
        fs |= fields[kid]!;
      }
      leafField[i] = -1;
      fields[i] = fs;
      kidStarts[i] = nk;
      nk += count;
      pp = first;
    }
    leafNext[i] = -1;
    mask[i] = 0;
    pending[pp++] = i;
  }
  kidStarts[n] = nk;
  const { full, val } = sp;
  // Written in order (an array written out of order turns holey, slower to read).
  for (let i = val.length; i < n; i++) val[i] = 0;
  for (let f = 0; f < nf; f++) {
    if (fieldCount[f] === 1 && (nonConstantAlone(exprs[fieldFirst[f]!] as TypedRule) || timeAlone(exprs[fieldFirst[f]!] as TypedRule))) {
      // One rule that can both hold and fail: two regions, where it fails (bit 0) and where it holds.
      full[f] = 3;
      mask[fieldFirst[f]!] = 2;
      continue;
    }
    const rules = rulesList(fieldCount[f]!);
    for (let i = fieldFirst[f]!, j = 0; i >= 0; i = leafNext[i]!) rules[j++] = exprs[i] as TypedRule;
    const masks = fieldRegions(rules, schema, zone, text);
    if (!masks) return null;
    full[f] = masks[rules.length]!;
    for (let i = fieldFirst[f]!, j = 0; i >= 0; i = leafNext[i]!) mask[i] = masks[j++]!;
  }
  // In one pass over the fields: whether the condition is read-once, and the combinations of regions of
  // the fields of two or more rules (`partBits`), with each such field's place in a combination's number.
  const { stride } = sp;
  let free = true;
  let combos = 1;
  for (let f = 0; f < nf; f++) {
    const k = fieldCount[f]!;
    const regions = popCount(full[f]!);
    if (free) free = (k < 31 && regions === 1 << k) || freeButExclusive(sp, f, n);
    if (k < 2) stride[f] = 0;
    else {
      stride[f] = combos;
      combos *= regions;
    }
  }
  // A read-once condition is not walked: its questions, if any are asked, are searched. Past MAX_COMBOS,
  // no masks: the walk's questions are searched. Most conditions have at most 32 combinations: one word,
  // by `partBit` (the general `partBits`' code is not run for them).
  const words = free || combos > MAX_COMBOS ? 0 : combos <= 32 ? partBit(sp, n, combos) : partBits(sp, n, nf, combos);
  // What the search reads (`tree`) is made when a question needs it: with masks, the walk does not search;
  // a read-once condition is not asked.
  const oracle = new RegionOracle(sp, exprs, n, nf, words);
  oracle.readOnce = free;
  return oracle;
}

/**
 * A rule on a time field that alone both holds for some value and fails for another (at FIXED_NOW, where
 * `fieldRegions` reads a single rule), read off its test without resolving its times: a comparison whose
 * bound lies well inside years 1-9999 holds on one side of it, and `within last/next …` (between a time
 * that far back and `now`, or `now` and a time that far ahead) holds from one end to the other. Every
 * positive test fails on the empty value, so a rule that holds for some value gives both regions, as
 * `fieldRegions` would find them (which a relative time costs a walk through the zone's calendar, and a
 * time field alone in its condition is common). False: not read off here (`fieldRegions` decides).
 */
function timeAlone(r: TypedRule): boolean {
  const type = r.field.type;
  if (type !== "timestamp" && type !== "date") return false;
  const t = r.test;
  switch (t.op) {
    case "lt":
    case "le":
    case "gt":
    case "ge":
      return wellInside(t.value);
    case "between":
      // (dates round the ends to days: a short window may hold no midnight)
      if (type !== "timestamp") return false;
      if (t.high.kind === "now") return t.low.kind === "relative" && t.low.amount >= 0 && beforeNow(t.low.amount, t.low.unit) && wellInside(t.low);
      if (t.low.kind === "now") return t.high.kind === "relative" && t.high.amount <= 0 && beforeNow(-t.high.amount, t.high.unit) && wellInside(t.high);
      return false;
    default:
      return false;
  }
}

/**
 * Whether `now` less `amount` (>= 0) units is surely not after `now`, in any zone: minutes and hours are
 * exact durations; days and longer move the zone's wall clock, which a change of offset (a day at most)
 * may carry past `now` when the amount is shorter than that.
 */
function beforeNow(amount: number, unit: TimeUnit): boolean {
  return unit === "minute" || unit === "hour" || amount * MIN_UNIT_MS[unit] >= 2 * DAY;
}

/** Least a unit of each kind of the wall clock spans. */
const MIN_UNIT_MS = { day: DAY, week: 7 * DAY, month: 28 * DAY, year: 365 * DAY };

/** Margin kept from the ends of years 1-9999: more than any zone's offset and a day's rounding. */
const TIME_MARGIN = 3 * DAY;

/** Most a unit of each kind moves a time (a month of 31 days, a leap year, a day with an hour of summer time). */
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: DAY + 3_600_000, week: 7 * DAY + 3_600_000, month: 31 * DAY + 3_600_000, year: 366 * DAY + 3_600_000 };

/** A shift from FIXED_NOW (2024) that keeps a time well inside years 1-9999 whatever the zone. */
const MAX_SHIFT = 1000 * 366 * DAY;

/**
 * Whether a time literal resolves, at FIXED_NOW in any zone, well inside years 1-9999 (so that both sides
 * of it hold values); false for other literals.
 */
function wellInside(v: Literal): boolean {
  switch (v.kind) {
    case "instant":
      return v.ms >= MIN_INSTANT + TIME_MARGIN && v.ms <= MAX_INSTANT - TIME_MARGIN;
    case "now":
    case "today":
      return true;
    case "relative":
      return Math.abs(v.amount) * UNIT_MS[v.unit] <= MAX_SHIFT;
    default:
      return false;
  }
}

/**
 * A list of `k` rules to fill, one kept per length (a field's rules, one field at a time: nothing keeps the
 * list past `fieldRegions`), where two fresh lists per field of two or more rules were made before.
 */
function rulesList(k: number): TypedRule[] {
  let list = rulesLists[k];
  if (!list) {
    list = [];
    for (let j = 0; j < k; j++) list.push(null as unknown as TypedRule);
    for (let m = rulesLists.length; m < k; m++) rulesLists.push(undefined);
    rulesLists[k] = list;
  }
  return list;
}

/** `rulesList`'s lists by length. */
const rulesLists: (TypedRule[] | undefined)[] = [];

/**
 * Bottom-up, what the search reads: each part's mask when it depends on one field (`single`); and, with
 * `withKnown`, whether it can hold or fail when that follows from its parts alone (one field; or parts
 * over different fields, which combine freely). Without it `known` is left as `partBits` made it (exact).
 */
function tree(sp: Space, n: number, withKnown: boolean): void {
  const { kinds, leafField, kidStarts, kidList, single, fields, mask, full, known } = sp;
  for (let i = 0; i < n; i++) {
    const k = kinds[i]!;
    if (k === LEAF) {
      const f = leafField[i]!;
      single[i] = f;
      if (withKnown) known[i] = 3 | (mask[i] !== 0 ? 4 : 0) | (mask[i] !== full[f] ? 8 : 0);
      continue;
    }
    if (withKnown) known[i] = 0;
    single[i] = -1;
    const fs = fields[i]!;
    if ((fs & (fs - 1)) === 0) {
      const f = 31 - Math.clz32(fs);
      let m = k === AND ? full[f]! : 0;
      for (let j = kidStarts[i]!; j < kidStarts[i + 1]!; j++) {
        const km = mask[kidList[j]!]!;
        if (k === NOT) m = full[f]! & ~km;
        else if (k === AND) m &= km;
        else m |= km;
      }
      mask[i] = m;
      single[i] = f;
      if (withKnown) known[i] = 3 | (m !== 0 ? 4 : 0) | (m !== full[f] ? 8 : 0);
    } else if (withKnown && operandsApart(sp, i)) {
      // Holds: every part can hold (`and`), one can (`or`); fails likewise. `not` swaps.
      let all = 12;
      let any = 0;
      for (let j = kidStarts[i]!; j < kidStarts[i + 1]!; j++) {
        const kk = known[kidList[j]!]!;
        if ((kk & 3) !== 3) {
          all = -1;
          break;
        }
        all &= kk;
        any |= kk;
      }
      if (all >= 0) {
        if (k === NOT) known[i] = 3 | ((all & 4) << 1) | ((all & 8) >> 1);
        else if (k === AND) known[i] = 3 | (all & 4) | (any & 8);
        else known[i] = 3 | (any & 4) | (all & 8);
      }
    }
  }
}

/** Whether part `i`'s operands read no field in common (then they combine freely). */
function operandsApart(sp: Space, i: number): boolean {
  const { kidStarts, kidList, fields } = sp;
  let seen = 0;
  for (let j = kidStarts[i]!; j < kidStarts[i + 1]!; j++) {
    const kf = fields[kidList[j]!]!;
    if ((seen & kf) !== 0) return false;
    seen |= kf;
  }
  return true;
}

/**
 * Fills `holds` and `fails` of every part, for `combos` (more than 32, at most MAX_COMBOS) combinations of
 * regions of the fields of two or more rules (their places in a combination's number in `stride`), and
 * gives the words per part. A *combination* picks one region of each such field; a field of one rule is
 * left free.
 *
 * Why this answers the walk's questions exactly, without a search: for a combination c, let holds(x) say
 * whether some choice of the free fields makes part x hold under c (fails(x) likewise). A free field's
 * one rule sits in one part of the tree, so the operands of a part share no free field: an `and` can hold
 * under c when each operand can (their free fields are chosen apart), and can fail when one can; an `or`
 * the other way round; a `not` swaps. A rule of a field of two or more rules holds under c where c's
 * region of its field is in its mask; a free rule can hold (fail) under every c when its mask is not
 * empty (not full). Parts apart from each other (none inside another) share no free field either, so
 * "these parts can hold and those fail at once" is exactly "some c is in the holds of the ones and the
 * fails of the others", one bitwise `and`.
 */
function partBits(sp: Space, n: number, nf: number, combos: number): number {
  const { full, stride, regionCombos, regionAt, holds, fails, kinds, leafField, mask, kidStarts, kidList, known } = sp;
  // Combination c is bit (c & 31) of word (c >> 5) of a part's masks; every combination, word by word.
  const W = (combos + 31) >> 5;
  const all = allWords;
  for (let w = 0; w < W; w++) all[w] = w < W - 1 || (combos & 31) === 0 ? -1 : (1 << (combos & 31)) - 1;
  // The combinations of each region: region j of field f is digit j of f in the combination's number.
  let at = 0;
  for (let f = 0; f < nf; f++) {
    regionAt[f] = at;
    if (stride[f] === 0) continue;
    const regions = popCount(full[f]!);
    for (let j = 0; j < regions * W; j++) regionCombos[at * W + j] = 0;
    // Digit j of combination c is floor(c / stride) mod regions: it moves on every `stride` combinations.
    const st = stride[f]!;
    for (let c = 0, j = 0, run = 0; c < combos; c++) {
      const slot = (at + j) * W + (c >> 5);
      regionCombos[slot] = regionCombos[slot]! | (1 << (c & 31));
      if (++run === st) {
        run = 0;
        if (++j === regions) j = 0;
      }
    }
    at += regions;
  }
  // Written in order (an array written out of order turns holey, slower to read).
  for (let i = holds.length; i < n * W; i++) {
    holds.push(0);
    fails.push(0);
  }
  for (let i = 0; i < n; i++) {
    const k = kinds[i]!;
    const o = i * W;
    let canHold = 0;
    let canFail = 0;
    for (let w = 0; w < W; w++) {
      let h: number;
      let x: number;
      if (k === LEAF) {
        const f = leafField[i]!;
        const m = mask[i]!;
        if (stride[f] === 0) {
          h = m !== 0 ? all[w]! : 0;
          x = m !== full[f] ? all[w]! : 0;
        } else {
          h = 0;
          x = 0;
          const regions = popCount(full[f]!);
          const base = regionAt[f]! * W + w;
          for (let j = 0; j < regions; j++) {
            if ((m >> j) & 1) h |= regionCombos[base + j * W]!;
            else x |= regionCombos[base + j * W]!;
          }
        }
      } else if (k === NOT) {
        const kid = kidList[kidStarts[i]!]! * W + w;
        h = fails[kid]!;
        x = holds[kid]!;
      } else if (k === AND) {
        h = all[w]!;
        x = 0;
        for (let j = kidStarts[i]!; j < kidStarts[i + 1]!; j++) {
          h &= holds[kidList[j]! * W + w]!;
          x |= fails[kidList[j]! * W + w]!;
        }
      } else {
        h = 0;
        x = all[w]!;
        for (let j = kidStarts[i]!; j < kidStarts[i + 1]!; j++) {
          h |= holds[kidList[j]! * W + w]!;
          x &= fails[kidList[j]! * W + w]!;
        }
      }
      holds[o + w] = h;
      fails[o + w] = x;
      canHold |= h;
      canFail |= x;
    }
    known[i] = 3 | (canHold !== 0 ? 4 : 0) | (canFail !== 0 ? 8 : 0);
  }
  return W;
}

/**
 * `partBits` for at most 32 combinations (nearly every condition): one word per part, and each region's
 * combinations made a run of `stride` at a time (its digit holds for `stride` combinations in a row, every
 * `stride × regions`), where the general case sets them one combination at a time. The same masks.
 */
function partBit(sp: Space, n: number, combos: number): number {
  const { fieldCount, full, stride, holds, fails, kinds, leafField, mask, kidStarts, kidList, known } = sp;
  const all = combos === 32 ? -1 : (1 << combos) - 1;
  if (holds.length < n) {
    // Written in order (an array written out of order turns holey, slower to read).
    for (let i = holds.length; i < n; i++) {
      holds.push(0);
      fails.push(0);
    }
  }
  for (let i = 0; i < n; i++) {
    const k = kinds[i]!;
    let h: number;
    let x: number;
    if (k === LEAF) {
      const f = leafField[i]!;
      const m = mask[i]!;
      if (fieldCount[f]! < 2) {
        h = m !== 0 ? all : 0;
        x = m !== full[f] ? all : 0;
      } else {
        // The combinations of the regions in the leaf's mask; the rest are where it fails (the regions of
        // a field share out every combination).
        const st = stride[f]!;
        const period = st * popCount(full[f]!);
        const run = st === 32 ? -1 : (1 << st) - 1;
        h = 0;
        for (let j = 0, r = m; r !== 0; j++, r >>>= 1) {
          if ((r & 1) === 0) continue;
          for (let c = j * st; c < combos; c += period) h |= run << c;
        }
        x = all & ~h;
      }
    } else if (k === NOT) {
      const kid = kidList[kidStarts[i]!]!;
      h = fails[kid]!;
      x = holds[kid]!;
    } else if (k === AND) {
      h = all;
      x = 0;
      for (let j = kidStarts[i]!; j < kidStarts[i + 1]!; j++) {
        h &= holds[kidList[j]!]!;
        x |= fails[kidList[j]!]!;
      }
    } else {
      h = 0;
      x = all;
      for (let j = kidStarts[i]!; j < kidStarts[i + 1]!; j++) {
        h |= holds[kidList[j]!]!;
        x &= fails[kidList[j]!]!;
      }
    }
    holds[i] = h;
    fails[i] = x;
    known[i] = 3 | (h !== 0 ? 4 : 0) | (x !== 0 ? 8 : 0);
  }
  return 1;
}

/**
 * Most combinations `partBits` gives masks for (16 words a part). Past it the walk's questions are
 * searched: a mask costs a word per 32 combinations, a search grows with the parts.
 */
const MAX_COMBOS = 512;

/** `partBits`'s mask of every combination, word by word. */
const allWords: number[] = [];

/** Parts of no question (the second list of a question about one list). */
const NONE: readonly number[] = [];

/** Most leaves of one field whose combinations `freeButExclusive` enumerates. */
const MAX_FREE_LEAVES = 8;

/** Words of `freeWork.present`: a bit per vector of MAX_FREE_LEAVES leaves. */
const PRESENT_WORDS = (1 << MAX_FREE_LEAVES) >> 5;

/** `freeButExclusive`'s lists (one field at a time): its leaves, its exclusive pairs, the vectors present. */
const freeWork = {
  at: Array.from({ length: MAX_FREE_LEAVES }, () => 0),
  exclusive: Array.from({ length: (MAX_FREE_LEAVES * (MAX_FREE_LEAVES - 1)) / 2 }, () => 0),
  present: Array.from({ length: PRESENT_WORDS }, () => 0),
};

/**
 * Whether field `f`'s leaves meet in every combination but those where two leaves that never hold
 * together both hold, each such pair meeting at an `or` with no `not` between them and it: as in
 * warning-free.ts (`splits`, whose comment has the argument), the condition then still gets no warning.
 */
function freeButExclusive(sp: Space, f: number, n: number): boolean {
  const { mask, full, kinds, starts } = sp;
  const k = sp.fieldCount[f]!;
  if (k > MAX_FREE_LEAVES) return false;
  // Lists kept between calls (no set, no closure: a field's leaves are few, its vectors 2^k at most).
  const { at, exclusive, present } = freeWork;
  for (let i = sp.fieldFirst[f]!, j = 0; i >= 0; i = sp.leafNext[i]!) at[j++] = i;
  // The exclusive pairs first: the caller asks only when some combination is missing, and without an
  // exclusive pair nothing excuses it.
  let pairs = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) {
      if ((mask[at[i]!]! & mask[at[j]!]!) !== 0) continue;
      if (!joinedByOr(at[i]!, at[j]!, kinds, starts, n)) return false;
      exclusive[pairs++] = (1 << i) | (1 << j);
    }
  }
  if (pairs === 0) return false;
  // The vector of each region, a bit each in `present` (2^k bits, k <= MAX_FREE_LEAVES).
  for (let w = 0; w < PRESENT_WORDS; w++) present[w] = 0;
  for (let r = 0; r < 31 && full[f]! >> r; r++) {
    let v = 0;
    for (let j = 0; j < k; j++) if ((mask[at[j]!]! >> r) & 1) v |= 1 << j;
    present[v >> 5] = present[v >> 5]! | (1 << (v & 31));
  }
  for (let v = 0; v < 1 << k; v++) {
    if ((present[v >> 5]! >> (v & 31)) & 1) continue;
    let excused = false;
    for (let p = 0; p < pairs && !excused; p++) excused = (v & exclusive[p]!) === exclusive[p];
    if (!excused) return false;
  }
  return true;
}

/**
 * Whether two leaves meet at an `or` with no `not` on the way up from either: the least part holding both
 * (in post-order, the first part after both whose subtree starts at or before both).
 */
function joinedByOr(a: number, b: number, kinds: readonly number[], starts: readonly number[], n: number): boolean {
  const lo = Math.min(a, b);
  let meet = -1;
  for (let p = Math.max(a, b) + 1; p < n; p++) {
    if (starts[p]! <= lo) {
      meet = p;
      break;
    }
  }
  if (meet < 0 || kinds[meet] !== OR) return false;
  // No `not` strictly between the meeting part and either leaf: a `not` there holds one of them in its subtree.
  for (let p = lo + 1; p < meet; p++) {
    if (kinds[p] === NOT && ((starts[p]! <= a && a < p) || (starts[p]! <= b && b < p))) return false;
  }
  return true;
}

function popCount(x: number): number {
  let n = 0;
  for (; x !== 0; x &= x - 1) n++;
  return n;
}

/** `fieldRegions`'s answer, made again by each call. */
const fieldMasks: number[] = [];

/**
 * The regions of one field's leaves: the mask of each leaf, then (last) the mask of every region (in a
 * list the next call reuses); null when not modelled.
 */
function fieldRegions(rules: readonly TypedRule[], schema: Schema, zone: TimeZone, text: string | undefined): number[] | null {
  const k = rules.length;
  const type = rules[0]!.field.type;
  let vectors: number[] | null;
  let settled: boolean;
  switch (type) {
    case "number": {
      const direct = numberVectors(rules);
      if (direct) {
        vectors = direct;
        settled = true;
        break;
      }
    }
    // falls through: a rule `numberVectors` does not read goes to the sets
    case "timestamp":
    case "date": {
      const domain = typeDomain(type)!;
      if (domain.k !== "ordered") return null;
      const sets: OrderedSet[] = [];
      settled = true;
      for (const r of rules) {
        const s = positiveSet(r.test, domain, type === "date", zone);
        if (!s || s.k !== "ordered") return null;
        sets.push(s.s);
        if (settled && isRelative(r)) settled = false;
      }
      vectors = orderedVectors(rules, sets, domain);
      // Times relative to `now`: the regions at other `now`s count too (a contact at that `now` has
      // them). Each vector not seen at FIXED_NOW is put to the time graph: unless it proves the vector
      // impossible at every `now`, it counts. Where the graph cannot read the rules, vectors seen at other
      // `now`s count, and what no sampled `now` gives is put to the reasoner.
      if (!settled && vectors.length < 1 << k && k <= MAX_ASKED) settled = timeVectors(rules, vectors, zone, type === "date" ? "day" : "instant");
      for (let s = 0; !settled && s < SAMPLE_NOWS.length && vectors.length < 1 << k; s++) {
        sets.length = 0;
        for (const r of rules) sets.push((positiveSet(r.test, domain, type === "date", zone, SAMPLE_NOWS[s]) as { s: OrderedSet }).s);
        for (const v of orderedVectors(rules, sets, domain)) addVector(vectors, v);
      }
      break;
    }
    case "boolean": {
      // The empty value, true, false; read off the tests (`= true`, `= false`, `is empty`).
      vectors = [];
      for (let value = 0; value < 3; value++) {
        let v = 0;
        for (let j = 0; j < k; j++) {
          const t = rules[j]!.test;
          let holds: boolean;
          if (t.op === "present") holds = value !== 0;
          else if (t.op === "eq" && t.value.kind === "boolean") holds = value !== 0 && t.value.value === (value === 1);
          else return null;
          if (holds !== t.negated) v |= 1 << j;
        }
        addVector(vectors, v);
      }
      settled = true;
      break;
    }
    case "string":
    case "enum": {
      const exact = exactTextVectors(rules);
      if (exact) {
        vectors = exact;
        settled = true;
        break;
      }
      const out = textVectors(rules);
      if (!out) return null;
      vectors = out.vectors;
      settled = out.settled;
      break;
    }
    case "list":
      vectors = listVectors(rules);
      settled = true;
      break;
  }
  if (!vectors) return null;
  if (!settled && vectors.length < 1 << k) {
    if (k > MAX_ASKED) return null;
    askReasoner(rules, vectors, schema, zone, text);
  }
  if (vectors.length > MAX_REGIONS) return null;
  // Kept between calls (the caller reads it at once), grown by pushes: `new Array(k + 1).fill(0)` makes a
  // holey array first, slower to make and to read.
  const masks = fieldMasks;
  for (let j = masks.length; j <= k; j++) masks.push(0);
  for (let j = 0; j <= k; j++) masks[j] = 0;
  for (let r = 0; r < vectors.length; r++) {
    const v = vectors[r]!;
    for (let j = 0; j < k; j++) if (v & (1 << j)) masks[j] = masks[j]! | (1 << r);
  }
  masks[k] = (1 << vectors.length) - 1;
  return masks;
}

/**
 * Other `now`s at which a field's rules on times relative to `now` are read (besides FIXED_NOW): far
 * before and after the dates people write, and around them.
 */
const SAMPLE_NOWS = [Date.UTC(1000, 0, 1), Date.UTC(9000, 0, 1), Date.UTC(2000, 0, 1), Date.UTC(2021, 0, 1), Date.UTC(2023, 0, 1), Date.UTC(2026, 0, 1), Date.UTC(2030, 0, 1)];

function addVector(vectors: number[], v: number): void {
  if (!vectors.includes(v)) vectors.push(v);
}

function isRelative(r: TypedRule): boolean {
  const t = r.test;
  const rel = (v: { kind: string }) => v.kind === "relative" || v.kind === "now" || v.kind === "today";
  switch (t.op) {
    case "lt":
    case "le":
    case "gt":
    case "ge":
    case "eq":
      return rel(t.value);
    case "between":
      return rel(t.low) || rel(t.high);
    case "in":
      return t.values.some(rel);
    default:
      return false;
  }
}

/** The vectors of ordered leaves: one value per piece of the line their sets cut, plus the empty value. */
function orderedVectors(rules: readonly TypedRule[], sets: readonly OrderedSet[], domain: ValueSet & { k: "ordered" }): number[] {
  const line = domain.ops.line;
  const cuts: number[] = [line.min];
  for (const s of sets) {
    for (const iv of s.intervals) {
      cuts.push(iv.lo);
      if (iv.hi < line.max) cuts.push(line.next(iv.hi));
    }
  }
  sortNumbers(cuts);
  const vectors: number[] = [];
  const k = rules.length;
  let emptyV = 0;
  for (let j = 0; j < k; j++) if (sets[j]!.empty !== rules[j]!.test.negated) emptyV |= 1 << j;
  vectors.push(emptyV);
  for (let c = 0; c < cuts.length; c++) {
    const x = cuts[c]!;
    if (c > 0 && x === cuts[c - 1]) continue;
    let v = 0;
    for (let j = 0; j < k; j++) if (inOrdered(sets[j]!, x) !== rules[j]!.test.negated) v |= 1 << j;
    addVector(vectors, v);
  }
  return vectors;
}

/**
 * The vectors of number leaves read straight off their tests, as `orderedVectors` reads them off their sets
 * (the same pieces of the line, so the same vectors in the same order) without building the sets: one
 * value where each piece starts (-∞, each bound, the next double past each closed upper bound), plus the
 * empty value. Null when a test is not a comparison, `=`, `in`, `between` or `is not empty` of finite
 * numbers.
 */
function numberVectors(rules: readonly TypedRule[]): number[] | null {
  const k = rules.length;
  // A fresh list (emptying a kept one, `length = 0`, is a call into the runtime).
  const cuts = [-Infinity];
  let emptyV = 0;
  for (let j = 0; j < k; j++) {
    const t = rules[j]!.test;
    if (t.negated) emptyV |= 1 << j;
    switch (t.op) {
      case "lt":
      case "ge":
        if (t.value.kind !== "number" || !Number.isFinite(t.value.value)) return null;
        cuts.push(t.value.value);
        break;
      case "le":
      case "gt":
        if (t.value.kind !== "number" || !Number.isFinite(t.value.value)) return null;
        cuts.push(nextUp(t.value.value));
        break;
      case "eq":
        if (t.value.kind !== "number" || !Number.isFinite(t.value.value)) return null;
        cuts.push(t.value.value, nextUp(t.value.value));
        break;
      case "between":
        if (t.low.kind !== "number" || t.high.kind !== "number" || !Number.isFinite(t.low.value) || !Number.isFinite(t.high.value)) return null;
        if (t.low.value <= t.high.value) cuts.push(t.low.value, nextUp(t.high.value));
        break;
      case "in":
        for (const v of t.values) {
          if (v.kind !== "number" || !Number.isFinite(v.value)) return null;
          cuts.push(v.value, nextUp(v.value));
        }
        break;
      case "present":
        break;
      default:
        return null;
    }
  }
  sortNumbers(cuts);
  const vectors = [emptyV];
  for (let c = 0; c < cuts.length; c++) {
    const x = cuts[c]!;
    if (c > 0 && x === cuts[c - 1]) continue;
    let v = 0;
    for (let j = 0; j < k; j++) if (numberHolds(rules[j]!.test, x) !== rules[j]!.test.negated) v |= 1 << j;
    addVector(vectors, v);
  }
  return vectors;
}

/**
 * Sorts a few numbers in place, ascending (stable): an insertion sort, where `Array.prototype.sort` with a
 * comparator copies the list into a work array of its own per call (a field's cuts are a handful).
 */
function sortNumbers(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i]!;
    let j = i - 1;
    for (; j >= 0 && xs[j]! > x; j--) xs[j + 1] = xs[j]!;
    xs[j + 1] = x;
  }
}

/** Whether a number test (positive form, literals checked by `numberVectors`) holds on `x`. */
function numberHolds(t: TypedRule["test"], x: number): boolean {
  switch (t.op) {
    case "lt":
      return x < (t.value as { value: number }).value;
    case "le":
      return x <= (t.value as { value: number }).value;
    case "gt":
      return x > (t.value as { value: number }).value;
    case "ge":
      return x >= (t.value as { value: number }).value;
    case "eq":
      return x === (t.value as { value: number }).value;
    case "between":
      return (t.low as { value: number }).value <= x && x <= (t.high as { value: number }).value;
    case "in":
      for (const v of t.values) if (x === (v as { value: number }).value) return true;
      return false;
    default:
      return true; // `is not empty`: every number
  }
}

function inOrdered(s: OrderedSet, x: number): boolean {
  for (const iv of s.intervals) {
    if (x < iv.lo) return false;
    if (x <= iv.hi) return true;
  }
  return false;
}

/** Whether a text rule (positive form) holds on `s` (null: empty); needles are folded once by the caller. */
function textHolds(r: TypedRule, needle: string, s: string | null): boolean {
  if (s === null || s === "") return false;
  const t = r.test;
  switch (t.op) {
    case "present":
      return true;
    case "eq":
      return t.value.kind === "string" && t.value.value === s;
    case "in":
      return t.values.some((v) => v.kind === "string" && v.value === s);
    case "contains":
      return containsFold(s, needle);
    case "startsWith":
      return startsFold(s, needle);
    case "endsWith":
      return endsFold(s, needle);
    default:
      return false;
  }
}

/**
 * `foldAscii` (A-Z to a-z, nothing else): for a text of ASCII only, the runtime's `toLowerCase` is the
 * same and costs no regular expression's call per run of capitals (needles are often written in capitals).
 */
function foldNeedle(s: string): string {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return foldAscii(s);
    if (c >= 65 && c <= 90) upper = true;
  }
  return upper ? s.toLowerCase() : s;
}

/**
 * The vectors of text leaves tested only by `=`, `in` and emptiness: the empty value, each value named, and
 * one value named by none (on which every `=`/`in` fails and `is not empty` holds). Null when a rule is of
 * another kind. Without closures or sets: this is the commonest field of two or more rules.
 */
function exactTextVectors(rules: readonly TypedRule[]): number[] | null {
  const k = rules.length;
  let unnamed = 0;
  let empty = 0;
  let present = 0;
  // Each rule's test read once (the tests differ in shape, so each read of a property is a slow lookup):
  // every value named, with the bit of the rule naming it, in order.
  const { names, owners } = exactNamed;
  let m = 0;
  for (let j = 0; j < k; j++) {
    const t = rules[j]!.test;
    const op = t.op;
    if (op === "present") present |= 1 << j;
    else if (op === "eq") {
      if (t.value.kind !== "string") return null;
      names[m] = t.value.value;
      owners[m++] = 1 << j;
    } else if (op === "in") {
      for (const lit of t.values) {
        if (lit.kind !== "string") return null;
        names[m] = lit.value;
        owners[m++] = 1 << j;
      }
    } else return null;
    if (t.negated) empty |= 1 << j;
    if ((op === "present") !== t.negated) unnamed |= 1 << j;
  }
  // The empty value's vector, then the unnamed value's when it differs (not `splice`d out afterwards: that
  // makes an array of what it removes).
  const vectors = unnamed === empty ? [empty] : [empty, unnamed];
  for (let i = 0; i < m; i++) {
    const s = names[i]!;
    if (s === "") continue; // no value: `= ""` never holds
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = names[j] === s;
    if (seen) continue;
    // On `s`: `is not empty` holds, `=`/`in` hold when they name it; negated rules flip (bit set in `empty`).
    let naming = 0;
    for (let j = i; j < m; j++) if (names[j] === s) naming |= owners[j]!;
    addVector(vectors, empty ^ present ^ naming);
  }
  return vectors;
}

/** `exactTextVectors`'s working lists (one field at a time): the values named, each with its rule's bit. */
const exactNamed = { names: [] as string[], owners: [] as number[] };

/**
 * The vectors of text leaves from the values they name, their needles, one other value and the empty
 * value; `settled` when these are all the regions (no text pattern, or one leaf).
 */
function textVectors(rules: readonly TypedRule[]): { vectors: number[]; settled: boolean } | null {
  const k = rules.length;
  const needles: string[] = [];
  const values: string[] = [];
  let patterns = 0;
  let patternAt = 0;
  for (const r of rules) {
    const t = r.test;
    let needle = "";
    switch (t.op) {
      case "eq":
        if (t.value.kind !== "string") return null;
        if (t.value.value !== "") values.push(t.value.value);
        break;
      case "in":
        for (const v of t.values) {
          if (v.kind !== "string") return null;
          if (v.value !== "") values.push(v.value);
        }
        break;
      case "present":
        break;
      case "contains":
      case "startsWith":
      case "endsWith":
        needle = foldNeedle(t.value);
        if (needle !== "") {
          patterns++;
          patternAt = needles.length;
        }
        break;
      default:
        return null;
    }
    needles.push(needle);
  }
  const named = values.length;
  // Values that are none of the named ones: NULs (no needle holds them, unless made of NULs), and each
  // needle padded with NULs on its open side (so it holds).
  let other = "\u0000";
  while (values.includes(other)) other += "\u0000";
  const unnamed = [other];
  for (let j = 0; j < k; j++) {
    const t = rules[j]!.test;
    if (needles[j] === "" || (t.op !== "contains" && t.op !== "startsWith" && t.op !== "endsWith")) continue;
    let s = t.value;
    while (values.includes(s)) s = t.op === "endsWith" ? "\u0000" + s : s + "\u0000";
    unnamed.push(s);
  }
  const vectors: number[] = [];
  const vectorOf = (s: string | null) => {
    let v = 0;
    for (let j = 0; j < k; j++) if (textHolds(rules[j]!, needles[j]!, s) !== rules[j]!.test.negated) v |= 1 << j;
    return v;
  };
  addVector(vectors, vectorOf(null));
  for (let i = 0; i < named; i++) addVector(vectors, vectorOf(values[i]!));
  // With one pattern, the values named by no rule fall in two regions: the pattern holds, or not.
  let seen = 0;
  for (const s of unnamed) {
    const v = vectorOf(s);
    addVector(vectors, v);
    seen |= 1 << (textHolds(rules[patternAt]!, needles[patternAt]!, s) ? 1 : 0);
  }
  if (patterns === 0 || (patterns === 1 && seen === 3)) return { vectors, settled: true };
  if (patterns > MAX_ASKED) return { vectors, settled: false };
  // The values named by no rule, by which patterns they meet: on them every `=`/`in` rule fails and `is
  // not empty` holds, so each combination of the patterns is one vector. Those not met above are put to
  // the text theory (text-theory.ts, as the reasoner would): a value found or undecided counts; only a
  // proof that none exists leaves the vector out.
  const at: number[] = [];
  for (let j = 0; j < k; j++) if (needles[j] !== "") at.push(j);
  let base = 0;
  for (let j = 0; j < k; j++) {
    // Not a pattern here: `=`/`in` fail; `is not empty` and an empty needle hold.
    const op = rules[j]!.test.op;
    if (needles[j] === "" && (op !== "eq" && op !== "in") !== rules[j]!.test.negated) base |= 1 << j;
  }
  // The text theory's rules, made only for a combination that no value built from the needles shows.
  let fixed: TextLit[] | null = null;
  for (let combo = 0; combo < 1 << at.length; combo++) {
    let v = base;
    for (let p = 0; p < at.length; p++) if ((combo >> p) & 1) v |= 1 << at[p]!;
    if (vectors.includes(v)) continue;
    // A value built from the needles usually shows the combination (one found is a region); the text
    // theory decides the rest.
    const built = patternValue(rules, needles, at, combo);
    if (built !== null && vectorOf(built) === v) {
      vectors.push(v);
      continue;
    }
    if (!fixed) {
      fixed = [{ atom: { k: "present" } as Atom, value: true }];
      for (const value of values) fixed.push({ atom: { k: "eq", value } as Atom, value: false });
    }
    const lits = fixed.slice();
    for (let p = 0; p < at.length; p++) {
      const j = at[p]!;
      const t = rules[j]!.test as { op: "contains" | "startsWith" | "endsWith"; negated: boolean };
      lits.push({ atom: { k: "text", op: t.op, needle: needles[j]! } as Atom, value: (((combo >> p) & 1) === 1) !== t.negated });
    }
    if (solveText(lits, null).status !== "unsat") vectors.push(v);
  }
  return { vectors, settled: true };
}

/**
 * A text on which the patterns `at[p]` with bit p of `combo` set hold: the longest `starts with` needle,
 * then the `contains` needles, then the longest `ends with` needle (null when two `starts with` or two
 * `ends with` needles disagree). It may meet other patterns too: the caller reads its vector.
 */
function patternValue(rules: readonly TypedRule[], needles: readonly string[], at: readonly number[], combo: number): string | null {
  let prefix = "";
  let middle = "";
  let suffix = "";
  for (let p = 0; p < at.length; p++) {
    if (((combo >> p) & 1) === 0) continue;
    const j = at[p]!;
    const needle = needles[j]!;
    const op = rules[j]!.test.op;
    if (op === "startsWith") {
      if (needle.startsWith(prefix)) prefix = needle;
      else if (!prefix.startsWith(needle)) return null;
    } else if (op === "endsWith") {
      if (needle.endsWith(suffix)) suffix = needle;
      else if (!suffix.endsWith(needle)) return null;
    } else middle += needle;
  }
  const value = prefix + middle + suffix;
  return value === "" ? null : value;
}

/** The vectors of list leaves: every subset of the values named, with and without another element. */
function listVectors(rules: readonly TypedRule[]): number[] | null {
  const named: string[] = [];
  const k = rules.length;
  // Per rule: 0 `is not empty`, 1 `has any`, 2 `has all`, and the values it names as bits of `named`.
  const ops: number[] = [];
  const wants: number[] = [];
  for (const r of rules) {
    const t = r.test;
    if (t.op !== "hasAny" && t.op !== "hasAll" && t.op !== "present") return null;
    let bits = 0;
    if (t.op !== "present") {
      for (const v of t.values) {
        let at = named.indexOf(v);
        if (at < 0) {
          if (named.length === MAX_LIST_VALUES) return null;
          at = named.push(v) - 1;
        }
        bits |= 1 << at;
      }
    }
    ops.push(t.op === "present" ? 0 : t.op === "hasAny" ? 1 : 2);
    wants.push(bits);
  }
  let flip = 0;
  for (let j = 0; j < k; j++) if (rules[j]!.test.negated) flip |= 1 << j;
  const vectors: number[] = [];
  // Bit i of `held`: the list holds named[i]; `extra`: it holds another element.
  for (let held = 0; held < 1 << named.length; held++) {
    for (let extra = 0; extra < 2; extra++) {
      const present = held !== 0 || extra === 1;
      let v = flip;
      for (let j = 0; j < k; j++) {
        const op = ops[j]!;
        const holds = op === 0 ? present : op === 1 ? (held & wants[j]!) !== 0 : present && (held & wants[j]!) === wants[j];
        if (holds) v ^= 1 << j;
      }
      addVector(vectors, v);
    }
  }
  return vectors;
}

// ---- vectors no representative gave: the time graph, the reasoner ---------------------------------------

const FLIP = { lt: "ge", le: "gt", gt: "le", ge: "lt" } as const;

/** Formula universes by zone, for reading time values as terms (`Formulas.term`: `now` kept symbolic). */
const termReaders = new Map<string, Formulas>();

/** Most cases (choices of which bound a failing rule breaks) tried per vector. */
const MAX_TIME_CASES = 64;

/**
 * Adds the vectors of time rules that no sampled `now` gave but that the time graph (time-graph.ts) does
 * not prove impossible for every `now`. A vector's value is empty (its vector is the empty value's, already
 * read) or not: then each rule that holds gives its bounds, and each that fails breaks one of them (every
 * choice is tried). False when a rule is not read here (`in`), leaving the vectors to the reasoner.
 */
function timeVectors(rules: readonly TypedRule[], vectors: number[], zone: TimeZone, kind: "instant" | "day"): boolean {
  let reader = termReaders.get(zone.name);
  if (!reader) termReaders.set(zone.name, (reader = new Formulas({ zone })));
  const v: Var = { index: 0, id: "t", kind, group: "t", place: { kind: "contact", field: rules[0]!.field }, enumValues: null };
  const k = rules.length;
  // Each rule's bounds (positive form); null for `is not empty`.
  const bounds: (TimeBound[] | null)[] = [];
  for (const r of rules) {
    const t = r.test;
    switch (t.op) {
      case "present":
        bounds.push(null);
        break;
      case "lt":
      case "le":
      case "gt":
      case "ge":
        if (t.value.kind === "string" || t.value.kind === "number" || t.value.kind === "boolean") return false;
        bounds.push([{ v, op: t.op, term: reader.term(t.value) }]);
        break;
      case "eq":
        if (t.value.kind === "string" || t.value.kind === "number" || t.value.kind === "boolean") return false;
        bounds.push([{ v, op: "ge", term: reader.term(t.value) }, { v, op: "le", term: reader.term(t.value) }]);
        break;
      case "between":
        if (t.low.kind === "string" || t.low.kind === "number" || t.low.kind === "boolean") return false;
        if (t.high.kind === "string" || t.high.kind === "number" || t.high.kind === "boolean") return false;
        bounds.push([{ v, op: "ge", term: reader.term(t.low) }, { v, op: "le", term: reader.term(t.high) }]);
        break;
      default:
        return false;
    }
  }
  const known = vectors.slice();
  for (let combo = 0; combo < 1 << k; combo++) {
    if (known.includes(combo)) continue;
    const held: TimeBound[] = [];
    const broken: TimeBound[][] = [];
    let possible = true;
    let cases = 1;
    for (let j = 0; j < k && possible; j++) {
      const holds = ((combo >> j) & 1) === 1 ? !rules[j]!.test.negated : rules[j]!.test.negated;
      const b = bounds[j]!;
      if (b === null) possible = holds; // a value that is not empty
      else if (holds) held.push(...b);
      else {
        broken.push(b.map((x) => ({ v, op: FLIP[x.op], term: x.term })));
        cases *= b.length;
      }
    }
    if (!possible) continue;
    if (cases > MAX_TIME_CASES) {
      vectors.push(combo);
      continue;
    }
    // Every choice of one broken bound per failing rule; one the graph does not refute keeps the vector.
    for (let c = 0; c < cases; c++) {
      const all = held.slice();
      let rest = c;
      for (const alternatives of broken) {
        all.push(alternatives[rest % alternatives.length]!);
        rest = Math.floor(rest / alternatives.length);
      }
      if (timesPossible(all, zone)) {
        vectors.push(combo);
        break;
      }
    }
  }
  return true;
}

/** Nodes a kept universe may hold before it is replaced (bounds memory). */
const MAX_KEPT_NODES = 50_000;
/** Reasoning steps allowed per vector put to the reasoner. */
const ASK_STEPS = 2_000;

interface Kept {
  r: Reasoner;
  /** Leaves' formulas by their text as written (the same text is the same rule of this schema). */
  leaves: Map<string, Node>;
}

const kept = new PerSchemaAndZone<Kept>(
  (zone) => ({ r: new Reasoner(new Formulas({ zone })), leaves: new Map() }),
  (k) => k.r.f.size > MAX_KEPT_NODES || k.leaves.size > MAX_KEPT_NODES,
);

/**
 * Adds to `vectors` each vector of the leaves that the reasoner does not prove impossible (for every
 * `now`): what the representatives may have missed.
 */
function askReasoner(rules: readonly TypedRule[], vectors: number[], schema: Schema, zone: TimeZone, text: string | undefined): void {
  const k = kept.get(schema, zone);
  const { r } = k;
  r.f.forgetTyped();
  const nodes = rules.map((rule) => {
    const src = text === undefined ? undefined : text.slice(rule.span.start, rule.span.end);
    let node = src === undefined ? undefined : k.leaves.get(src);
    if (!node) {
      node = r.f.fromTyped(rule);
      if (src !== undefined) k.leaves.set(src, node);
    }
    return node;
  });
  const all = 1 << rules.length;
  const known = [...vectors];
  for (let v = 0; v < all; v++) {
    if (known.includes(v)) continue;
    r.budget.steps = 0;
    r.budget.limit = ASK_STEPS;
    r.budget.exceeded = false;
    const conj = r.f.and(nodes.map((x, j) => (v & (1 << j) ? x : r.f.not(x))));
    if (r.sat(conj) !== "no") vectors.push(v);
  }
}
