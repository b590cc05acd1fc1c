/**
 * Checking a document again after an edit without checking again the declarations the edit did not touch
 * (the language server, on a large segment file).
 *
 * The checker checks declarations one at a time, in dependency order, and what checking one declaration
 * gives (its typed condition, its diagnostics, its nesting and chain of references) depends only on:
 * - its condition (the parsed tree: the same object while its text is unchanged) and its name;
 * - the schema, the time zone and the limits (the same for every declaration of one check);
 * - whether any segment is named at all (with none, references are not measured);
 * - for each segment reference outside event filters: the referenced segment's state when the declaration
 *   is checked (its typed condition, as an object, which holds the typed conditions it refers to in turn;
 *   whether it is checked yet, declared in this document, past a limit; its nesting and chain), and the
 *   cycle that reference closes, if any;
 * - for a reference to a segment that does not exist: every segment name (the suggestions come from them).
 * `declarationInputs` lists those as values compared with `===`; a `DeclarationReuse` keeps the result of
 * each declaration's last check with its inputs, and the checker takes it instead of checking when the
 * inputs are the same. A referenced segment checked again has a new typed condition, so whatever refers to
 * it is checked again too (and so on up the references).
 */
import type { Diagnostic } from "../diagnostics.js";
import type * as A from "../parser/ast.js";
import type { RefAt } from "../parser/format.js";
import type * as TA from "./typed-ast.js";

/** What checking one declaration's condition gave. */
export interface CheckedDeclaration {
  typed: TA.TypedExpr | null;
  /** `TypedSegment.parts` of it. */
  parts: TA.TypedExpr[];
  depth: number;
  chain: number;
  overLimit: boolean;
  /** What it reported (none for a declaration of the catalog: those are not the document's). */
  diagnostics: Diagnostic[];
}

/** Where the checker finds and keeps the results of earlier checks (`CheckOptions.reuse`). */
export interface DeclarationReuse {
  /**
   * The result kept for the declaration's condition when it was checked with the same `inputs` (element by
   * element). Only declarations with a condition are asked for.
   */
  get(declaration: A.SegmentDeclaration, inputs: readonly unknown[]): CheckedDeclaration | undefined;
  set(declaration: A.SegmentDeclaration, inputs: readonly unknown[], result: CheckedDeclaration): void;
}

/** The state of a referenced segment that checking a reference to it reads. */
export interface ReferencedState {
  done: boolean;
  typed: TA.TypedExpr | null;
  local: boolean;
  overLimit: boolean;
  chain: number;
  depth: number;
}

/**
 * Everything checking `declaration` reads besides its own tree (see the module comment). `context`: what is
 * the same for the whole check (schema, zone, limits, whether any segment is named); `names`: every segment
 * name in the order the checker holds them, asked only when a reference names none.
 */
export function declarationInputs(
  declaration: A.SegmentDeclaration,
  local: boolean,
  context: readonly unknown[],
  refs: readonly RefAt[],
  target: (name: string) => ReferencedState | undefined,
  cycle: (ref: A.SegmentRefExpr) => readonly string[] | undefined,
  names: () => string,
): unknown[] {
  const inputs: unknown[] = [...context, declaration.name, local];
  for (const { ref } of refs) {
    const t = target(ref.name);
    if (!t) {
      inputs.push(null, names());
      continue;
    }
    inputs.push(t.typed, t.done, t.local, t.overLimit, t.chain, t.depth, cycle(ref)?.join("\u0000") ?? null);
  }
  return inputs;
}

/** True when two input lists are the same, element by element. */
export function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A `DeclarationReuse` that keeps one result per condition, as long as the condition's tree is alive (a
 * language server keeps the trees of the pieces in use, so what an edit replaced is let go).
 */
export class KeptChecks implements DeclarationReuse {
  private readonly kept = new WeakMap<A.Expr, { inputs: readonly unknown[]; result: CheckedDeclaration }>();
  /** How many declarations were checked and how many taken from earlier checks, since made (for tests and benches). */
  readonly counts = { checked: 0, reused: 0 };

  get(declaration: A.SegmentDeclaration, inputs: readonly unknown[]): CheckedDeclaration | undefined {
    const k = declaration.expr && this.kept.get(declaration.expr);
    if (k && sameInputs(k.inputs, inputs)) {
      this.counts.reused++;
      return k.result;
    }
    return undefined;
  }

  set(declaration: A.SegmentDeclaration, inputs: readonly unknown[], result: CheckedDeclaration): void {
    this.counts.checked++;
    if (declaration.expr) this.kept.set(declaration.expr, { inputs, result });
  }
}
