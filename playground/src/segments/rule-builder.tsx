/**
 * The visual rule builder: react-querybuilder's `<QueryBuilder>` on the rule groups of `src/querybuilder`
 * (Field, Operator, Value; AND / OR; NOT; "+ Rule", "+ Group"), with value inputs that follow the field's
 * type — enum values in a select, dates with a date picker or as relative times ("30 days ago"), lists as
 * chips, numbers as numbers —, behaviour as a sentence ("performed Purchase at least 3 times in the last 30
 * days", "did not perform …"), membership of another saved segment ("is in VIP"), and text rules (the
 * event forms without controls here: aggregates, first/last times, `between` windows) shown as their text,
 * editable in the text editor beside it.
 *
 * The builder is controlled: its query is always the one mapped from the text, and each change it makes
 * goes to the parent, which turns it into a text edit (`editText`) and lets the text flow back.
 *
 * Problems the text editor underlines (the checker's errors, the analysis's warnings) are marked on the row
 * they belong to (`placeDiagnostics`): the row's colour and icon by severity, the message on a line under
 * it (what the editor's tooltip says, word for word), the fix as a button ("Remove it"), and the message
 * tied to the row's first control with `aria-describedby`, so it is read with the row, not seen only.
 */
import { useEffect, useId, useMemo, useState, type KeyboardEvent } from "react";
import {
  QueryBuilder,
  Rule,
  RuleGroupHeaderComponents,
  type ActionProps,
  type CombinatorSelectorProps,
  type Field,
  type FieldSelectorProps,
  type NotToggleProps,
  type OperatorSelectorProps,
  type RuleGroupProps,
  type RuleGroupType,
  type RuleProps,
  type UseRuleGroup,
  type ValueEditorProps,
} from "react-querybuilder";
import "react-querybuilder/dist/query-builder-layout.css";
import type { TimeUnit } from "../../../src/parser/ast.js";
import {
  builderOperator,
  coerceValue,
  defaultEvent,
  filterRules,
  filterText,
  EVENT_COUNTS,
  EVENT_FIELD,
  EVENT_OPERATORS,
  EVENT_TIME,
  EVENT_TIMES,
  EVENT_TOTALS,
  eventOf,
  operatorsFor,
  SEGMENT_FIELD,
  SEGMENT_OPERATORS,
  TEXT_FIELD,
  TOTAL_COMPARISONS,
  type BuilderDuration,
  type BuilderEvent,
  type BuilderGroup,
  type BuilderLiteral,
  type BuilderRule,
  type BuilderValue,
} from "../../../src/querybuilder/index.js";
import { findProperty, type EventsDef, type FieldDef, type Schema } from "../../../src/schema/schema.js";
import type { CodeAction, ServiceDiagnostic } from "../../../src/service/index.js";
import { isolate } from "./format.js";

/** A problem of the text (as the editor shows it) on one builder row. */
export type RowMark = Pick<ServiceDiagnostic, "severity" | "code" | "message" | "fix">;

/** What the builder's controls need from the page. */
interface BuilderContext {
  /** Selects a text rule's text in the editor. */
  editText(ruleId: string): void;
  /** The marks of a rule or group (by id); none when absent. */
  marks: ReadonlyMap<string, readonly RowMark[]>;
  /** Applies a mark's fix to the text. */
  fix(fix: CodeAction): void;
  /** The element id of a node's `i`-th message (unique on the page). */
  messageId(nodeId: string, i: number): string;
  /** The schema's events (their names, the properties a filter or a total reads). */
  events: EventsDef | undefined;
  /** The schema (a filter's property named as a contact field is written in parentheses). */
  schema: Schema;
  /** The saved segments a rule may name (`in segment`). */
  segments: readonly string[];
}

export interface RuleBuilderProps {
  schema: Schema;
  query: BuilderGroup;
  onChange(next: BuilderGroup): void;
  onEditText(ruleId: string): void;
  /** Problems to mark, by rule or group id (`placeDiagnostics`); they must be those of the text `query` shows. */
  marks?: ReadonlyMap<string, readonly RowMark[]>;
  /** Applies a fix offered on a row (the same edits the text editor's lint action applies). */
  onFix?(fix: CodeAction): void;
  /** The saved segments a rule may name (`in segment`; not the one being edited). */
  segments?: readonly string[];
  disabled?: boolean;
}

const NO_SEGMENTS: readonly string[] = [];
/** What the field select says for the behaviour and membership rules. */
const EVENT_LABEL = "Performed an event";
const SEGMENT_LABEL = "In a segment";

const NO_MARKS: ReadonlyMap<string, readonly RowMark[]> = new Map();
const SEVERITY_ORDER: Record<RowMark["severity"], number> = { error: 0, warning: 1, info: 2 };
const SEVERITY_WORD: Record<RowMark["severity"], string> = { error: "Error", warning: "Warning", info: "Note" };
/** Icons differ in shape, not only in colour. */
const SEVERITY_ICON: Record<RowMark["severity"], string> = { error: "✖", warning: "⚠", info: "ℹ" };

/** The worst severity among a node's marks (null: none). */
function worst(marks: readonly RowMark[] | undefined): RowMark["severity"] | null {
  if (!marks || marks.length === 0) return null;
  return marks.reduce((w, m) => (SEVERITY_ORDER[m.severity] < SEVERITY_ORDER[w] ? m.severity : w), marks[0]!.severity);
}

/** The ids of a node's messages, for `aria-describedby` (undefined when it has none). */
function describedBy(ctx: BuilderContext | undefined, nodeId: string | undefined): string | undefined {
  const list = ctx && nodeId !== undefined ? ctx.marks.get(nodeId) : undefined;
  return list && list.length > 0 ? list.map((_, i) => ctx!.messageId(nodeId!, i)).join(" ") : undefined;
}

const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const UNITS: TimeUnit[] = ["minute", "hour", "day", "week", "month", "year"];

/** The rule builder over `query`, with `marks` on its rows. */
export function RuleBuilder({ schema, query, onChange, onEditText, marks = NO_MARKS, onFix, segments = NO_SEGMENTS, disabled }: RuleBuilderProps) {
  const prefix = useId();
  const fields = useMemo<Field[]>(
    () => [
      ...Object.values(schema.fields).map((def) => ({ name: def.name, label: def.name, def })),
      // Behaviour where the schema has events; membership where there is a segment to name.
      ...(schema.events ? [{ name: EVENT_FIELD, label: EVENT_LABEL }] : []),
      ...(segments.length > 0 ? [{ name: SEGMENT_FIELD, label: SEGMENT_LABEL }] : []),
      { name: TEXT_FIELD, label: "Condition as text" },
    ],
    [schema, segments],
  );
  const events = schema.events;
  const context: BuilderContext = useMemo(
    () => ({ editText: onEditText, marks, fix: (f: CodeAction) => onFix?.(f), messageId: (nodeId: string, i: number) => `${prefix}mark-${nodeId}-${i}`, events, schema, segments }),
    [onEditText, marks, onFix, prefix, events, schema, segments],
  );
  return (
    <QueryBuilder
      fields={fields}
      query={query as unknown as RuleGroupType}
      onQueryChange={(q) => onChange(q as unknown as BuilderGroup)}
      getOperators={(field) => {
        if (field === EVENT_FIELD) return [...EVENT_OPERATORS];
        if (field === SEGMENT_FIELD) return [...SEGMENT_OPERATORS];
        const def = (schema.fields[field] as FieldDef | undefined) ?? Object.values(schema.fields).find((f) => f.name === field);
        return def ? operatorsFor(def.type) : [{ name: "text", label: "as written" }];
      }}
      getDefaultOperator={(field) => {
        if (field === EVENT_FIELD) return EVENT_OPERATORS[0]!.name;
        if (field === SEGMENT_FIELD) return SEGMENT_OPERATORS[0]!.name;
        const def = Object.values(schema.fields).find((f) => f.name === field);
        return def ? operatorsFor(def.type)[0]!.name : "text";
      }}
      getDefaultValue={(rule) => {
        if (rule.field === EVENT_FIELD) return defaultEvent(events?.names);
        if (rule.field === SEGMENT_FIELD) return segments[0] ?? "";
        const def = Object.values(schema.fields).find((f) => f.name === rule.field);
        return def ? coerceValue(def, rule.operator, null) : "";
      }}
      getDefaultField={Object.values(schema.fields)[0]?.name}
      combinators={[
        { name: "and", label: "AND" },
        { name: "or", label: "OR" },
      ]}
      showNotToggle
      addRuleToNewGroups
      resetOnFieldChange
      resetOnOperatorChange={false}
      enableMountQueryChange={false}
      disabled={disabled}
      context={context}
      getRuleGroupClassname={(g) => {
        const w = worst(marks.get(g.id ?? ""));
        return w ? `rb-marked rb-marked-${w}` : "";
      }}
      translations={{
        addRule: { label: "+ Rule", title: "Add a condition to this group" },
        addGroup: { label: "+ Group", title: "Add a group of conditions" },
        removeRule: { label: "✕", title: "Remove this condition" },
        removeGroup: { label: "✕", title: "Remove this group" },
        notToggle: { label: "NOT", title: "Match contacts this group does not match" },
        combinators: { title: "How this group's conditions combine" },
        fields: { title: "Field" },
        operators: { title: "Operator" },
        value: { title: "Value" },
      }}
      controlClassnames={{ queryBuilder: "rule-builder", ruleGroup: "rb-group", rule: "rb-rule" }}
      controlElements={{
        valueEditor: ValueEditor,
        fieldSelector: FieldSelect,
        operatorSelector: OperatorSelect,
        combinatorSelector: CombinatorSelect,
        notToggle: NotToggle,
        addRuleAction: Action,
        addGroupAction: Action,
        removeRuleAction: RemoveAction,
        removeGroupAction: RemoveAction,
        rule: MarkedRule,
        ruleGroupHeaderElements: MarkedGroupHeader,
      }}
    />
  );
}

// ---- marks ------------------------------------------------------------------------------------------------

/**
 * A rule row and, under it, its marks. The wrapper is always there (marks come and go as the text changes;
 * a row that re-mounted would lose the focus and the half-typed value of its inputs).
 */
function MarkedRule(props: RuleProps) {
  const ctx = props.context as BuilderContext | undefined;
  const list = ctx?.marks.get(props.id ?? "");
  const w = worst(list);
  return (
    <div className={w ? `rb-row rb-marked rb-marked-${w}` : "rb-row"} data-marked-id={props.id}>
      <Rule {...props} />
      {list && list.length > 0 && <Marks nodeId={props.id!} list={list} ctx={ctx!} disabled={props.disabled} />}
    </div>
  );
}

/** A group's header and, on a line of its own under it, the group's marks. */
function MarkedGroupHeader(props: RuleGroupProps & UseRuleGroup) {
  const ctx = props.context as BuilderContext | undefined;
  const id = props.ruleGroup.id ?? props.id;
  const list = id !== undefined ? ctx?.marks.get(id) : undefined;
  return (
    <>
      <RuleGroupHeaderComponents {...props} />
      {list && list.length > 0 && <Marks nodeId={id!} list={list} ctx={ctx!} disabled={props.disabled} />}
    </>
  );
}

/** The marks of one node: icon, severity (said, not only coloured), the editor's message, the fix. */
function Marks({ nodeId, list, ctx, disabled }: { nodeId: string; list: readonly RowMark[]; ctx: BuilderContext; disabled?: boolean }) {
  return (
    <div className="rb-marks" data-testid="builder-marks" data-node-id={nodeId}>
      {list.map((m, i) => (
        <p key={`${i}-${m.code}`} className={`rb-mark rb-mark-${m.severity}`} data-testid="builder-mark" data-severity={m.severity}>
          <span className="rb-mark-icon" aria-hidden="true" title={SEVERITY_WORD[m.severity]}>
            {SEVERITY_ICON[m.severity]}
          </span>
          <span id={ctx.messageId(nodeId, i)} className="rb-mark-message">
            <span className="visually-hidden">{SEVERITY_WORD[m.severity]}: </span>
            {m.message}
          </span>
          {m.fix && (
            <button type="button" className="small rb-fix" onClick={() => ctx.fix(m.fix!)} disabled={disabled} aria-describedby={ctx.messageId(nodeId, i)} data-testid="builder-fix">
              {m.fix.title.charAt(0).toUpperCase() + m.fix.title.slice(1)}
            </button>
          )}
        </p>
      ))}
    </div>
  );
}

// ---- selectors and actions -------------------------------------------------------------------------------

function FieldSelect(props: FieldSelectorProps) {
  if (props.rule.field === TEXT_FIELD) return <span className="text-rule-label">Condition</span>;
  const ctx = (props as unknown as { context?: BuilderContext }).context;
  const described = describedBy(ctx, props.rule.id);
  const options = props.options.filter((o) => "name" in o && o.name !== TEXT_FIELD) as { name: string; label: string; def?: FieldDef }[];
  // A rule naming a segment while the page lists none (they are still loading) keeps its field.
  if (props.rule.field === SEGMENT_FIELD && !options.some((o) => o.name === SEGMENT_FIELD)) options.push({ name: SEGMENT_FIELD, label: SEGMENT_LABEL });
  return (
    <select
      className={`rb-field ${props.className ?? ""}`}
      value={props.value}
      onChange={(e) => props.handleOnChange(e.target.value)}
      disabled={props.disabled}
      aria-label="Field"
      title={props.title}
      aria-describedby={described}
      aria-invalid={worst(ctx?.marks.get(props.rule.id ?? "")) === "error" || undefined}
    >
      {options.map((o) => (
        <option key={o.name} value={o.name}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function OperatorSelect(props: OperatorSelectorProps) {
  if (props.rule.field === TEXT_FIELD) return null;
  return (
    <select
      className={`rb-operator ${props.className ?? ""}`}
      value={props.value}
      onChange={(e) => props.handleOnChange(e.target.value)}
      disabled={props.disabled}
      aria-label={`Operator for ${props.rule.field === EVENT_FIELD ? "the event" : props.rule.field === SEGMENT_FIELD ? "the segment" : props.rule.field}`}
      title={props.title}
    >
      {(props.options as { name: string; label: string }[]).map((o) => (
        <option key={o.name} value={o.name}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function CombinatorSelect(props: CombinatorSelectorProps) {
  // One condition has nothing to combine: the choice appears with the second.
  if ((props.rules?.length ?? 0) < 2) return null;
  const ctx = (props as unknown as { context?: BuilderContext }).context;
  return (
    <select
      className={`rb-combinator ${props.className ?? ""}`}
      value={props.value}
      onChange={(e) => props.handleOnChange(e.target.value)}
      disabled={props.disabled}
      aria-label="Combine the conditions of this group with"
      title={props.title}
      aria-describedby={describedBy(ctx, props.ruleGroup.id)}
    >
      <option value="and">all of (AND)</option>
      <option value="or">any of (OR)</option>
    </select>
  );
}

function NotToggle(props: NotToggleProps) {
  const id = useId();
  const ctx = (props as unknown as { context?: BuilderContext }).context;
  return (
    <span className={`rb-not ${props.className ?? ""}`}>
      <input id={id} type="checkbox" checked={props.checked ?? false} onChange={(e) => props.handleOnChange(e.target.checked)} disabled={props.disabled} aria-describedby={describedBy(ctx, props.ruleGroup.id)} />
      <label htmlFor={id} title={props.title}>
        NOT
      </label>
    </span>
  );
}

function Action(props: ActionProps) {
  return (
    <button type="button" className={`small rb-add ${props.className ?? ""}`} onClick={(e) => props.handleOnClick(e)} disabled={props.disabled} title={props.title}>
      {props.label}
    </button>
  );
}

function RemoveAction(props: ActionProps) {
  const what = "rules" in props.ruleOrGroup ? "this group" : "this condition";
  return (
    <button type="button" className={`icon-button rb-remove ${props.className ?? ""}`} onClick={(e) => props.handleOnClick(e)} disabled={props.disabled} aria-label={`Remove ${what}`} title={props.title}>
      ✕
    </button>
  );
}

// ---- values ---------------------------------------------------------------------------------------------

function ValueEditor(props: ValueEditorProps) {
  const editor = <ValueEditorBody {...props} />;
  return <span className="rb-value-wrap">{editor}</span>;
}

function ValueEditorBody(props: ValueEditorProps) {
  const ctx = (props as unknown as { context?: BuilderContext }).context;
  if (props.rule.field === TEXT_FIELD) {
    return (
      <span className="text-rule">
        <code title="The builder shows this condition as written; edit it in the text">{String(props.value)}</code>
        <button type="button" className="small link-button" onClick={() => ctx?.editText(props.rule.id!)} aria-describedby={describedBy(ctx, props.rule.id)}>
          Edit in text
        </button>
      </span>
    );
  }
  if (props.rule.field === EVENT_FIELD && ctx) {
    return <EventInput value={props.value} events={ctx.events} schema={ctx.schema} onChange={props.handleOnChange} onEditText={() => ctx.editText(props.rule.id!)} label="Event" disabled={props.disabled} />;
  }
  if (props.rule.field === SEGMENT_FIELD && ctx) {
    return <SegmentSelect value={props.value} names={ctx.segments} onChange={props.handleOnChange} label="Segment" disabled={props.disabled} />;
  }
  const def = (props.fieldData as unknown as { def?: FieldDef }).def;
  if (!def) return null;
  return <ValueInput def={def} operator={props.operator} value={props.value} onChange={props.handleOnChange} label={`Value of ${def.name}`} disabled={props.disabled} />;
}

/** The value of a test of `def` with `operator`: the inputs the operator's operand calls for. */
function ValueInput({ def, operator, value: raw, onChange, label, disabled }: { def: FieldDef; operator: string; value: unknown; onChange(v: unknown): void; label: string; disabled?: boolean }) {
  const op = builderOperator(operator);
  if (!op) return null;
  const value = coerceValue(def, operator, raw);
  switch (op.operand) {
    case "none":
      return null;
    case "value":
      return <LiteralInput def={def} value={value as BuilderLiteral} onChange={onChange} label={label} disabled={disabled} />;
    case "range": {
      const [low, high] = value as [BuilderLiteral, BuilderLiteral];
      return (
        <span className="rb-range">
          <LiteralInput def={def} value={low} onChange={(v) => onChange([v, high])} label={`${label}: from`} disabled={disabled} />
          <span className="muted">and</span>
          <LiteralInput def={def} value={high} onChange={(v) => onChange([low, v])} label={`${label}: to`} disabled={disabled} />
        </span>
      );
    }
    case "list":
      return <ChipsInput def={def} values={value as BuilderLiteral[]} onChange={onChange} label={label} disabled={disabled} />;
    case "duration":
      return <DurationInput value={value as BuilderDuration} onChange={onChange} label={label} disabled={disabled} />;
    default:
      return null;
  }
}

interface LiteralProps {
  def: FieldDef;
  value: BuilderLiteral;
  onChange(v: BuilderLiteral): void;
  label: string;
  disabled?: boolean;
}

/** One value, in the input its field's type calls for. */
function LiteralInput({ def, value, onChange, label, disabled }: LiteralProps) {
  switch (def.type) {
    case "enum": {
      const current = value.kind === "string" ? value.value : "";
      const values = def.values ?? [];
      return (
        <NameSelect value={current} names={values} none="(choose)" unknown="not a value" onChange={(v) => onChange({ kind: "string", value: v })} label={label} disabled={disabled} />
      );
    }
    case "number":
      return <NumberInput raw={value.kind === "number" ? value.raw : "0"} onChange={(raw) => onChange({ kind: "number", raw })} label={label} disabled={disabled} />;
    case "boolean":
      return (
        <select className="rb-value" value={value.kind === "boolean" && !value.value ? "false" : "true"} onChange={(e) => onChange({ kind: "boolean", value: e.target.value === "true" })} aria-label={label} disabled={disabled}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case "date":
    case "timestamp":
      return <TimeInput type={def.type} value={value} onChange={onChange} label={label} disabled={disabled} />;
    default:
      return (
        <input className="rb-value text" type="text" value={value.kind === "string" ? value.value : ""} onChange={(e) => onChange({ kind: "string", value: e.target.value })} aria-label={label} disabled={disabled} placeholder="text" />
      );
  }
}

/** A number, sent on only when it reads as one (a half-typed `-` or `1e` stays here). */
function NumberInput({ raw, onChange, label, disabled }: { raw: string; onChange(raw: string): void; label: string; disabled?: boolean }) {
  const [draft, setDraft] = useState(raw);
  useEffect(() => {
    if (NUMBER.test(draft) ? draft !== raw : false) setDraft(raw);
    // Only a new value from outside (the text) replaces what is typed.
  }, [raw]);
  const valid = NUMBER.test(draft.trim());
  return (
    <input
      className="rb-value number"
      type="text"
      inputMode="decimal"
      value={draft}
      aria-label={label}
      aria-invalid={!valid}
      title={valid ? undefined : "Type a number, such as 12, -3.5 or 1e3"}
      disabled={disabled}
      onChange={(e) => {
        setDraft(e.target.value);
        if (NUMBER.test(e.target.value.trim())) onChange(e.target.value.trim());
      }}
    />
  );
}

type TimeMode = "date" | "timestamp" | "relative" | "future" | "now" | "today";

/**
 * A date or time: a date (date picker), a date and time in UTC, N units ago, N units from now (`in N units`
 * keeps its spelling), now, or today.
 */
function TimeInput({ type, value, onChange, label, disabled }: { type: "date" | "timestamp"; value: BuilderLiteral; onChange(v: BuilderLiteral): void; label: string; disabled?: boolean }) {
  const mode: TimeMode =
    value.kind === "relative" && value.future ? "future" : value.kind === "date" || value.kind === "timestamp" || value.kind === "relative" || value.kind === "now" || value.kind === "today" ? value.kind : "date";
  const today = new Date().toISOString().slice(0, 10);
  const switchTo = (m: TimeMode) => {
    if (m === "date") onChange({ kind: "date", text: value.kind === "timestamp" ? isoOf(value.text).slice(0, 10) : today });
    else if (m === "timestamp") onChange({ kind: "timestamp", text: `${value.kind === "date" ? value.text : today}T00:00:00Z` });
    else if (m === "relative") onChange({ kind: "relative", amount: value.kind === "relative" ? value.amount : "30", unit: value.kind === "relative" ? value.unit : "day" });
    else if (m === "future") onChange({ kind: "relative", amount: value.kind === "relative" ? value.amount : "30", unit: value.kind === "relative" ? value.unit : "day", future: "fromNow" });
    else onChange({ kind: m });
  };
  return (
    <span className="rb-time">
      <select value={mode} onChange={(e) => switchTo(e.target.value as TimeMode)} aria-label={`${label}: kind of time`} disabled={disabled}>
        <option value="date">date</option>
        <option value="timestamp">date and time (UTC)</option>
        <option value="relative">time ago</option>
        <option value="future">time from now</option>
        <option value="today">today</option>
        <option value="now">now</option>
      </select>
      {value.kind === "date" && (
        <input type="date" value={value.text} onChange={(e) => e.target.value && onChange({ kind: "date", text: e.target.value })} aria-label={label} disabled={disabled} />
      )}
      {value.kind === "timestamp" && (
        <input
          type="datetime-local"
          step={1}
          value={isoOf(value.text).slice(0, 19)}
          onChange={(e) => e.target.value && onChange({ kind: "timestamp", text: `${e.target.value}Z` })}
          aria-label={`${label} (UTC)`}
          disabled={disabled}
        />
      )}
      {value.kind === "relative" && (
        // Amount, unit and "ago" read as one phrase: they wrap together.
        <span className="rb-time-amount">
          <NumberInput raw={value.amount} onChange={(amount) => /^\d+$/.test(amount) && onChange({ ...value, amount })} label={`${label}: how many`} disabled={disabled} />
          <UnitSelect unit={value.unit} amount={value.amount} onChange={(unit) => onChange({ ...value, unit })} label={`${label}: unit`} disabled={disabled} />
          <span className="muted">{value.future ? "from now" : "ago"}</span>
        </span>
      )}
      {type === "date" && value.kind === "timestamp" && <span className="muted small">(compared at midnight UTC)</span>}
    </span>
  );
}

/** ISO text in UTC of a timestamp literal (any offset); the text itself when it does not read. */
function isoOf(text: string): string {
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

function UnitSelect({ unit, amount, onChange, label, disabled }: { unit: TimeUnit; amount: string; onChange(u: TimeUnit): void; label: string; disabled?: boolean }) {
  return (
    <select value={unit} onChange={(e) => onChange(e.target.value as TimeUnit)} aria-label={label} disabled={disabled}>
      {UNITS.map((u) => (
        <option key={u} value={u}>
          {amount === "1" ? u : `${u}s`}
        </option>
      ))}
    </select>
  );
}

/** `within last N units` / `within next N units` (the operator says which). */
function DurationInput({ value, onChange, label, disabled }: { value: BuilderDuration; onChange(v: BuilderDuration): void; label: string; disabled?: boolean }) {
  return (
    <span className="rb-time">
      <NumberInput raw={value.amount} onChange={(amount) => /^\d+$/.test(amount) && onChange({ ...value, amount })} label={`${label}: how many`} disabled={disabled} />
      <UnitSelect unit={value.unit} amount={value.amount} onChange={(unit) => onChange({ ...value, unit })} label={`${label}: unit`} disabled={disabled} />
    </span>
  );
}

/** A list of values as chips: remove one with its ✕, add with Enter (or a select, for enum values). */
function ChipsInput({ def, values, onChange, label, disabled }: { def: FieldDef; values: BuilderLiteral[]; onChange(v: BuilderLiteral[]): void; label: string; disabled?: boolean }) {
  const [draft, setDraft] = useState("");
  const text = (l: BuilderLiteral) => (l.kind === "string" ? l.value : l.kind === "number" ? l.raw : JSON.stringify(l));
  const add = (raw: string) => {
    const t = raw.trim();
    if (def.type === "number") {
      if (!NUMBER.test(t)) return;
      onChange([...values, { kind: "number", raw: t }]);
    } else {
      if (t === "" && def.type !== "string") return;
      onChange([...values, { kind: "string", value: raw }]);
    }
    setDraft("");
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter" || (e.key === "," && def.type === "number")) {
      e.preventDefault();
      add(draft);
    } else if (e.key === "Backspace" && draft === "" && values.length > 1) onChange(values.slice(0, -1));
  };
  const remaining = def.type === "enum" ? (def.values ?? []).filter((v) => !values.some((l) => l.kind === "string" && l.value === v)) : [];
  return (
    <span className="chips" role="group" aria-label={label}>
      {values.map((l, i) => (
        <span className="chip" key={`${i}-${text(l)}`}>
          {text(l) === "" ? <em>empty</em> : text(l)}
          <button
            type="button"
            className="chip-remove"
            aria-label={`Remove ${text(l) ? isolate(text(l)) : "the empty value"}`}
            title={values.length === 1 ? "A list needs at least one value" : undefined}
            disabled={disabled || values.length === 1}
            onClick={() => onChange(values.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </span>
      ))}
      {def.type === "enum" ? (
        remaining.length > 0 && (
          <select value="" onChange={(e) => e.target.value && onChange([...values, { kind: "string", value: e.target.value }])} aria-label={`${label}: add a value`} disabled={disabled}>
            <option value="">+ add…</option>
            {remaining.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        )
      ) : (
        <input
          type="text"
          className="chip-input"
          value={draft}
          placeholder={def.type === "number" ? "add a number ⏎" : "add a value ⏎"}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
          onBlur={() => draft.trim() && add(draft)}
          aria-label={`${label}: add a value (Enter)`}
          disabled={disabled}
        />
      )}
    </span>
  );
}

// ---- behaviour and membership -------------------------------------------------------------------------------

/** The operators offered, and the one chosen when it is not among them (typed in the text), so it shows. */
function withCurrent(offered: { name: string; label: string }[], current: string): { name: string; label: string }[] {
  if (offered.some((o) => o.name === current)) return offered;
  const all = operatorsFor("timestamp");
  return [...offered, all.find((o) => o.name === current) ?? { name: current, label: current }];
}

/**
 * What an event rule asks, as a sentence: the event; how often (at least once, or at least / at most /
 * exactly N times), how much (with a total / an average / a minimum / a maximum of a number property,
 * compared with a number) or when the first / last one was (a test of that time, as of a timestamp); which
 * events count by their time (at any time, in the last N units, between two times); and its `where` filter
 * (`EventFilter`).
 */
function EventInput({ value, events, schema, onChange, onEditText, label, disabled }: { value: unknown; events: EventsDef | undefined; schema: Schema; onChange(v: BuilderEvent): void; onEditText(): void; label: string; disabled?: boolean }) {
  const event = eventOf(value);
  const names = events?.names;
  const numbers = useMemo(() => Object.values(events?.properties ?? {}).filter((p) => p.type === "number").map((p) => p.name), [events]);
  const set = (patch: Partial<BuilderEvent>) => onChange({ ...event, ...patch });
  const whole = (on: (raw: string) => void) => (raw: string) => /^\d+$/.test(raw) && on(raw);
  const measure = event.count ? event.count.cmp : event.total ? event.total.fn : event.time ? event.time.which : "once";
  const choose = (m: string) => {
    const count = EVENT_COUNTS.find((c) => c.cmp === m);
    const total = EVENT_TOTALS.find((t) => t.fn === m);
    const time = EVENT_TIMES.find((t) => t.which === m);
    const none = { count: null, total: null, time: null };
    if (count) set({ ...none, count: { cmp: count.cmp, raw: event.count?.raw ?? "2" } });
    else if (total) set({ ...none, total: { fn: total.fn, property: event.total?.property ?? numbers[0] ?? "", cmp: event.total?.cmp ?? ">", raw: event.total?.raw ?? "100" } });
    else if (time) set({ ...none, time: event.time ? { ...event.time, which: time.which } : { which: time.which, operator: "withinLast", value: { amount: "30", unit: "day" } } });
    else set(none);
  };
  // The property as the schema names it (the text may spell it `Amount`); the text's spelling is kept until another is picked.
  const property = event.total ? (numbers.find((n) => n.toLowerCase() === event.total!.property.toLowerCase()) ?? event.total.property) : "";
  return (
    <span className="rb-event" role="group" aria-label={label}>
      {names && names.length > 0 ? (
        <NameSelect value={event.name} names={names} none="(choose an event)" unknown="not an event" onChange={(name) => set({ name })} label={`${label}: name`} disabled={disabled} />
      ) : (
        <input className="rb-value text" type="text" value={event.name} placeholder="event name" onChange={(e) => set({ name: e.target.value })} aria-label={`${label}: name`} disabled={disabled} />
      )}
      <span className="rb-time-amount">
        <select value={measure} onChange={(e) => choose(e.target.value)} aria-label={`${label}: how often`} disabled={disabled}>
          <option value="once">at least once</option>
          {EVENT_COUNTS.map((c) => (
            <option key={c.cmp} value={c.cmp}>
              {c.label}
            </option>
          ))}
          {numbers.length > 0 &&
            EVENT_TOTALS.map((t) => (
              <option key={t.fn} value={t.fn}>
                {t.label}
              </option>
            ))}
          {EVENT_TIMES.map((t) => (
            <option key={t.which} value={t.which}>
              {t.label}
            </option>
          ))}
        </select>
        {event.time && (
          <>
            <select value={event.time.operator} onChange={(e) => set({ time: { ...event.time!, operator: e.target.value } })} aria-label={`${label}: that time`} disabled={disabled}>
              {/* Positive tests only (over no events the time is empty, so the checker refuses `not before`,
                  `is empty`…); a typed one is shown as it is, with the checker's error on the rule. */}
              {withCurrent(operatorsFor("timestamp", { positive: true }), event.time.operator).map((o) => (
                <option key={o.name} value={o.name}>
                  {o.label}
                </option>
              ))}
            </select>
            <ValueInput def={EVENT_TIME} operator={event.time.operator} value={event.time.value} onChange={(v) => set({ time: { ...event.time!, value: v as BuilderValue } })} label={`${label}: time`} disabled={disabled} />
          </>
        )}
        {event.count && (
          <>
            <NumberInput raw={event.count.raw} onChange={whole((raw) => set({ count: { cmp: event.count!.cmp, raw } }))} label={`${label}: how many times`} disabled={disabled} />
            <span className="muted">{event.count.raw === "1" ? "time" : "times"}</span>
          </>
        )}
        {event.total && (
          <>
            <span className="muted">of</span>
            <select value={property} onChange={(e) => set({ total: { ...event.total!, property: e.target.value } })} aria-label={`${label}: of which property`} disabled={disabled}>
              {!numbers.includes(property) && <option value={property}>{property === "" ? "(choose a property)" : `${property} (not a number property)`}</option>}
              {numbers.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <select
              value={event.total.cmp}
              onChange={(e) => {
                const cmp = e.target.value as (typeof TOTAL_COMPARISONS)[number];
                // Between starts as a range of the number there was; a single comparison drops the high end.
                const { high, ...single } = event.total!;
                set({ total: cmp === "between" ? { ...single, cmp, high: high ?? single.raw } : { ...single, cmp } });
              }}
              aria-label={`${label}: compared`}
              disabled={disabled}
            >
              {TOTAL_COMPARISONS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <NumberInput raw={event.total.raw} onChange={(raw) => set({ total: { ...event.total!, raw } })} label={`${label}: ${event.total.cmp === "between" ? "total from" : "with"}`} disabled={disabled} />
            {event.total.cmp === "between" && (
              <>
                <span className="muted">and</span>
                <NumberInput raw={event.total.high ?? event.total.raw} onChange={(high) => set({ total: { ...event.total!, high } })} label={`${label}: total to`} disabled={disabled} />
              </>
            )}
          </>
        )}
      </span>
      <span className="rb-time-amount">
        <select
          value={event.window ? (event.window.next ? "next" : "last") : event.period ? "between" : "any"}
          onChange={(e) => {
            const when = e.target.value;
            const today = new Date().toISOString().slice(0, 10);
            // The number and unit stay when the window turns from the past to the future, or back.
            const { amount, unit } = event.window ?? { amount: "30", unit: "day" as const };
            if (when === "last") set({ window: { amount, unit }, period: null });
            else if (when === "next") set({ window: { amount, unit, next: true }, period: null });
            else if (when === "between") set({ window: null, period: event.period ?? [{ kind: "date", text: today }, { kind: "date", text: today }] });
            else set({ window: null, period: null });
          }}
          aria-label={`${label}: when`}
          disabled={disabled}
        >
          <option value="any">at any time</option>
          <option value="last">in the last</option>
          {/* Only to show a typed `within next`: events are recorded when they happen, so the checker
              refuses a window ahead (its error is marked on the rule); the builder never offers one. */}
          {event.window?.next && <option value="next">in the next (no events are ahead)</option>}
          <option value="between">between</option>
        </select>
        {event.window && (
          <>
            <NumberInput raw={event.window.amount} onChange={whole((amount) => set({ window: { ...event.window!, amount } }))} label={`${label}: how many`} disabled={disabled} />
            <UnitSelect unit={event.window.unit} amount={event.window.amount} onChange={(unit) => set({ window: { ...event.window!, unit } })} label={`${label}: unit`} disabled={disabled} />
          </>
        )}
      </span>
      {event.period && (
        <span className="rb-range">
          <LiteralInput def={EVENT_TIME} value={event.period[0]} onChange={(v) => set({ period: [v, event.period![1]] })} label={`${label}: from`} disabled={disabled} />
          <span className="muted">and</span>
          <LiteralInput def={EVENT_TIME} value={event.period[1]} onChange={(v) => set({ period: [event.period![0], v] })} label={`${label}: to`} disabled={disabled} />
        </span>
      )}
      {events && <EventFilter where={event.where} events={events} schema={schema} onChange={(where) => set({ where })} onEditText={onEditText} label={label} disabled={disabled} />}
    </span>
  );
}

/**
 * An event's `where` filter: rows of Property · Operator · Value joined by `and` ("+ where" adds one, ✕
 * removes it), or, for a filter the rows cannot show (an `or`, a `not`), its text as written with "Edit in
 * text".
 */
function EventFilter({ where, events, schema, onChange, onEditText, label, disabled }: { where: string | null; events: EventsDef; schema: Schema; onChange(where: string | null): void; onEditText(): void; label: string; disabled?: boolean }) {
  const rows = where === null ? [] : filterRules(where, events);
  if (rows === null) {
    return (
      <span className="rb-time-amount rb-where">
        <span className="muted">where</span>
        <code title="The event's filter, as written: edit it in the text">{where}</code>
        <button type="button" className="small link-button" onClick={onEditText} disabled={disabled}>
          Edit in text
        </button>
      </span>
    );
  }
  const properties = Object.values(events.properties);
  const write = (next: BuilderRule[]) => onChange(next.length === 0 ? null : filterText(next, events, schema));
  const fresh = (def: FieldDef, id: string): BuilderRule => {
    const operator = operatorsFor(def.type)[0]!.name;
    return { id, field: def.name, operator, value: coerceValue(def, operator, null) };
  };
  return (
    <span className="rb-filter" role="group" aria-label={`${label}: where`}>
      {rows.map((row, i) => {
        const def = findProperty(events, row.field)!;
        const replace = (r: BuilderRule) => write(rows.map((x, j) => (j === i ? r : x)));
        const name = `${label} filter ${i + 1}`;
        return (
          <span className="rb-filter-row" key={row.id}>
            <span className="muted">{i === 0 ? "where" : "and"}</span>
            <select value={def.name} onChange={(e) => replace(fresh(findProperty(events, e.target.value)!, row.id))} aria-label={`${name}: property`} disabled={disabled}>
              {properties.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
            <select value={row.operator} onChange={(e) => replace({ ...row, operator: e.target.value })} aria-label={`${name}: operator`} disabled={disabled}>
              {operatorsFor(def.type).map((o) => (
                <option key={o.name} value={o.name}>
                  {o.label}
                </option>
              ))}
            </select>
            <ValueInput def={def} operator={row.operator} value={row.value} onChange={(v) => replace({ ...row, value: v as BuilderRule["value"] })} label={`${name}: value`} disabled={disabled} />
            <button type="button" className="icon-button" onClick={() => write(rows.filter((_, j) => j !== i))} aria-label={`Remove ${name}`} disabled={disabled}>
              ✕
            </button>
          </span>
        );
      })}
      {properties.length > 0 && (
        <button type="button" className="small rb-add" onClick={() => write([...rows, fresh(properties[0]!, `new-${rows.length}`)])} disabled={disabled} title="Count only the events that meet a condition on their properties">
          + where
        </button>
      )}
    </span>
  );
}

/** A saved segment by name: the page's other segments, and the rule's name if it is none of them. */
function SegmentSelect({ value, names, onChange, label, disabled }: { value: unknown; names: readonly string[]; onChange(name: string): void; label: string; disabled?: boolean }) {
  return <NameSelect value={typeof value === "string" ? value : ""} names={names} none="(choose a segment)" unknown="no such segment" onChange={onChange} label={label} disabled={disabled} />;
}

/**
 * A select of `names` (an enum's values, the events, the segments) that also shows a value the text holds
 * but the list has not (empty: `none`; else the value with `unknown` beside it), so nothing is changed unseen.
 */
function NameSelect(props: { value: string; names: readonly string[]; none: string; unknown: string; onChange(name: string): void; label: string; disabled?: boolean }) {
  const { value, names } = props;
  return (
    <select className="rb-value" value={value} onChange={(e) => props.onChange(e.target.value)} aria-label={props.label} disabled={props.disabled}>
      {!names.includes(value) && <option value={value}>{value === "" ? props.none : `${value} (${props.unknown})`}</option>}
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  );
}
