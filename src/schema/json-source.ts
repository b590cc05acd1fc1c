/**
 * JSON text with positions: a strict JSON parser (RFC 8259, what `JSON.parse` accepts, plus a leading byte
 * order mark) that keeps the offsets of every value and key, so a problem found in the parsed value
 * (`fields.status.values[2]`) can be shown where it is written, and a syntax error gets a place and a plain
 * message instead of the engine's. Browser-safe (no imports), so the language service uses it too.
 *
 * Offsets are UTF-16 code units, ranges half-open `[from, to)`, as everywhere in segql.
 */

/** A key of an object (string) or an index into an array (number). */
export type JsonPath = readonly (string | number)[];

/** A value with its range in the text. */
export type JsonNode =
  | { type: "object"; from: number; to: number; properties: JsonProperty[] }
  | { type: "array"; from: number; to: number; items: JsonNode[] }
  | { type: "string"; from: number; to: number; value: string }
  | { type: "number" | "boolean" | "null"; from: number; to: number };

/** One `"key": value` of an object, with the range of the key (quotes included). */
export interface JsonProperty {
  key: string;
  keyFrom: number;
  keyTo: number;
  value: JsonNode;
}

/** A syntax error: where, and what was expected. */
export interface JsonSyntaxError {
  from: number;
  to: number;
  message: string;
}

/** The parse of a JSON text: the tree, or the first syntax error. */
export type JsonParse = { root: JsonNode; error: null } | { root: null; error: JsonSyntaxError };

/** Deepest nesting parsed (deeper text is reported as an error rather than overflowing the stack). */
export const MAX_JSON_DEPTH = 1000;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Fail extends Error {
  constructor(readonly error: JsonSyntaxError) {
    super(error.message);
  }
}

/** Parses JSON text into a tree with offsets, or returns the first syntax error with its range. */
export function parseJsonTree(text: string): JsonParse {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (from: number, to: number, message: string): never => {
    throw new Fail({ from, to, message });
  };
  /** The token at `at`, for "found …" in messages, and its range. */
  const found = (at: number): { text: string; to: number } => {
    if (at >= text.length) return { text: "the end of the text", to: at };
    const str = /^"(?:[^"\\\n\r]|\\.){0,40}"?/.exec(text.slice(at, at + 84));
    if (str) return { text: str[0], to: at + str[0].length };
    const word = /^[A-Za-z_$][\w$]*|^[0-9.+-][0-9A-Za-z.+-]*/.exec(text.slice(at, at + 40));
    const t = word ? word[0] : String.fromCodePoint(text.codePointAt(at)!);
    return { text: JSON.stringify(t).length > t.length + 2 ? JSON.stringify(t) : `'${t}'`, to: at + t.length };
  };
  const expected = (what: string): never => {
    const f = found(i);
    if (text.startsWith("//", i) || text.startsWith("/*", i)) fail(i, i + 2, "comments are not allowed in JSON");
    if (text[i] === "'") fail(i, i + 1, `${what}, found a single quote (JSON strings and names use double quotes)`);
    return fail(i, Math.max(f.to, i), `${what}, found ${f.text}`);
  };
  const skip = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };

  const string = (): { value: string; from: number; to: number } => {
    const from = i++;
    let value = "";
    let run = i;
    for (;;) {
      if (i >= text.length) fail(from, i, "unterminated string: a '\"' is missing");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        value += text.slice(run, i);
        i++;
        return { value, from, to: i };
      }
      if (c < 0x20) {
        fail(i, i + 1, c === 0x0a || c === 0x0d ? "unterminated string: a '\"' is missing before the end of the line" : "control characters must be escaped in JSON strings");
      }
      if (c !== 0x5c) {
        i++;
        continue;
      }
      value += text.slice(run, i);
      const e = text[i + 1];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e !== undefined && Object.hasOwn(simple, e)) {
        value += simple[e];
        i += 2;
      } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        fail(i, Math.min(i + 2, text.length), `invalid escape '\\${e ?? ""}' (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)`);
      }
      run = i;
    }
  };

  const value = (depth: number): JsonNode => {
    skip();
    const from = i;
    const c = text[i];
    if (c === "{") {
      if (depth >= MAX_JSON_DEPTH) fail(i, i + 1, `nested more than ${MAX_JSON_DEPTH} levels deep`);
      i++;
      const properties: JsonProperty[] = [];
      skip();
      if (text[i] === "}") return { type: "object", from, to: ++i, properties };
      for (;;) {
        skip();
        if (text[i] !== '"') {
          if (text[i] === "}" && properties.length > 0) fail(i, i + 1, "a trailing comma is not allowed in JSON");
          expected("expected a property name in double quotes");
        }
        const key = string();
        skip();
        if (text[i] !== ":") expected(`expected ':' after the property name ${JSON.stringify(key.value)}`);
        i++;
        properties.push({ key: key.value, keyFrom: key.from, keyTo: key.to, value: value(depth + 1) });
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") return { type: "object", from, to: ++i, properties };
        expected("expected ',' or '}' after a property value");
      }
    }
    if (c === "[") {
      if (depth >= MAX_JSON_DEPTH) fail(i, i + 1, `nested more than ${MAX_JSON_DEPTH} levels deep`);
      i++;
      const items: JsonNode[] = [];
      skip();
      if (text[i] === "]") return { type: "array", from, to: ++i, items };
      for (;;) {
        skip();
        if (text[i] === "]" && items.length > 0) fail(i, i + 1, "a trailing comma is not allowed in JSON");
        items.push(value(depth + 1));
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return { type: "array", from, to: ++i, items };
        expected("expected ',' or ']' after an array element");
      }
    }
    if (c === '"') return { type: "string", ...string() };
    for (const [word, type] of [["true", "boolean"], ["false", "boolean"], ["null", "null"]] as const) {
      if (text.startsWith(word, i) && !/[\w$]/.test(text[i + word.length] ?? "")) {
        i += word.length;
        return { type, from, to: i };
      }
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number && !/[\w.$+-]/.test(text[i + number[0].length] ?? "")) {
      i += number[0].length;
      return { type: "number", from, to: i };
    }
    if (c !== undefined && /[-0-9.+]/.test(c)) {
      const f = found(i);
      fail(i, f.to, `invalid number ${f.text} (JSON numbers look like 12, -3.5 or 1e6: no leading zeros, '+', or bare '.')`);
    }
    return expected("expected a value (an object, array, string, number, true, false or null)");
  };

  try {
    const root = value(0);
    skip();
    if (i < text.length) expected("unexpected text after the JSON value");
    return { root, error: null };
  } catch (e) {
    if (e instanceof Fail) return { root: null, error: e.error };
    throw e;
  }
}

/**
 * The property a key names: the last one with that key, since `JSON.parse` keeps the last of duplicates.
 */
export function propertyOf(node: JsonNode, key: string): JsonProperty | undefined {
  if (node.type !== "object") return undefined;
  for (let k = node.properties.length - 1; k >= 0; k--) if (node.properties[k]!.key === key) return node.properties[k];
  return undefined;
}

/** What a path resolves to: the node, the property holding it (when it is an object's value). */
export interface JsonLocation {
  node: JsonNode;
  property: JsonProperty | null;
  /** How many steps of the path were found (all of them when the path exists). */
  depth: number;
}

/** Follows a path as far as it exists in the tree. */
export function findJsonPath(root: JsonNode, path: JsonPath): JsonLocation {
  let node = root;
  let property: JsonProperty | null = null;
  let depth = 0;
  for (const step of path) {
    let next: JsonNode | undefined;
    let nextProperty: JsonProperty | null = null;
    if (typeof step === "number") next = node.type === "array" ? node.items[step] : undefined;
    else {
      const p = propertyOf(node, step);
      if (p) {
        next = p.value;
        nextProperty = p;
      }
    }
    if (!next) break;
    node = next;
    property = nextProperty;
    depth++;
  }
  return { node, property, depth };
}

/**
 * The range to show a problem at `path` on, as editors do for JSON: the value at the path, or its key when
 * `on` is "key" (an unknown or duplicated key). When the path does not exist (a missing key), the nearest
 * object that does stands for it: the key of the property holding it, or its `{` at the top level, as VS
 * Code's JSON validation marks a missing property.
 */
export function rangeOfJsonPath(root: JsonNode, path: JsonPath, on: "value" | "key" = "value"): { from: number; to: number; exact: boolean } {
  const at = findJsonPath(root, path);
  const exact = at.depth === path.length;
  if (exact && on === "key" && at.property) return { from: at.property.keyFrom, to: at.property.keyTo, exact };
  if (exact && on === "value") return { from: at.node.from, to: at.node.to, exact };
  if (at.property) return { from: at.property.keyFrom, to: at.property.keyTo, exact };
  return { from: at.node.from, to: at.node.from + 1, exact };
}

/** Keys written more than once in the same object (every occurrence after the first), with their paths. */
export function duplicateKeys(root: JsonNode): { path: JsonPath; key: string; from: number; to: number }[] {
  const out: { path: JsonPath; key: string; from: number; to: number }[] = [];
  const stack: { node: JsonNode; path: JsonPath }[] = [{ node: root, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (node.type === "array") node.items.forEach((n, k) => stack.push({ node: n, path: [...path, k] }));
    if (node.type !== "object") continue;
    const seen = new Set<string>();
    for (const p of node.properties) {
      if (seen.has(p.key)) out.push({ path: [...path, p.key], key: p.key, from: p.keyFrom, to: p.keyTo });
      seen.add(p.key);
      stack.push({ node: p.value, path: [...path, p.key] });
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

/** A path as segql writes it in messages: `fields.status.values[2]` ("" for the root). */
export function formatJsonPath(path: JsonPath): string {
  let out = "";
  for (const step of path) out = typeof step === "number" ? `${out}[${step}]` : out ? `${out}.${step}` : step;
  return out;
}
