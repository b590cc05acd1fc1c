/**
 * Projects on disk, for the language server and the CLI: a document's (or the working folder's) project
 * is the nearest `segql.json` found upward from its folder,
 *
 *   { "schema": "schema.json", "segments": ["segments/**\/*.segql"] }
 *
 * with paths relative to the config file. The schema is loaded with the schema module's validation; the
 * `segments` globs name the files whose segments `in segment` may refer to, even when they are not open.
 * Every problem (unreadable config, bad JSON, unknown keys, missing or invalid schema) becomes a
 * `ProjectProblem` located in the config's or the schema's text (the offending value, or key), which the
 * server publishes on those files and the service sums up on the project's documents: the server never
 * fails on a bad config, it checks syntax only until the config is fixed.
 *
 * Freshness: `refresh()` re-reads a config or schema whose size or modification time changed, and re-scans
 * the globs; the server calls it on `workspace/didChangeWatchedFiles` and, throttled, before answering, so
 * editors that do not watch files still see changes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LineIndex } from "../diagnostics.js";
import { duplicateKeys, parseJsonTree, rangeOfJsonPath } from "../schema/json-source.js";
import { SchemaError, parseSchema, withoutBom, type Schema } from "../schema/schema.js";
import type { ProjectInfo, ProjectProblem } from "../service/index.js";
import { timeZone, TimeZoneError } from "../checker/zone.js";

/** The config file name looked up from each document's folder upward. */
export const CONFIG_NAME = "segql.json";
/** Most segment files a project's globs may name (a glob like `/**` on a big tree must not hang the server). */
export const MAX_SEGMENT_FILES = 5000;
const SKIPPED_DIRECTORIES = new Set(["node_modules", ".git", ".hg", ".svn"]);

/** One project: a config file and what it points at. */
export interface Project {
  /** The config file's path; "" for documents without one. */
  configPath: string;
  info: ProjectInfo;
  /** Absolute paths of the segment files the config's globs name. */
  segmentFiles: string[];
  /** Size and modification time of the config and schema files when read, to notice changes. */
  stamps: Map<string, string>;
  /** The texts of the config and schema files as read, by URI (their problems' ranges are offsets into them). */
  files: Map<string, string>;
}

const NO_PROJECT: Project = { configPath: "", info: { key: "", schema: null }, segmentFiles: [], stamps: new Map(), files: new Map() };

/** Converts a `file:` URI to a path; null for other schemes (`untitled:`) or malformed URIs. */
export function uriToPath(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

/** The `file:` URI of a path. */
export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** The projects of the documents the server has seen. */
export class Workspace {
  /** Folder → config path ("" for none), so a lookup does not stat every ancestor each time. */
  private readonly configOfDir = new Map<string, string>();
  private readonly projects = new Map<string, Project>();

  /** The project of a document URI (loaded on first use). */
  projectOf(uri: string): Project {
    const path = uriToPath(uri);
    if (!path) return NO_PROJECT;
    const config = this.findConfig(dirname(path));
    if (!config) return NO_PROJECT;
    let project = this.projects.get(config);
    if (!project) {
      project = loadProject(config);
      this.projects.set(config, project);
    }
    return project;
  }

  /** The text of a project's config or schema file as last read, by URI (for positions in it). */
  fileText(uri: string): string | undefined {
    for (const p of this.projects.values()) {
      const text = p.files.get(uri);
      if (text !== undefined) return text;
    }
    return undefined;
  }

  /** Every project loaded so far. */
  loadedProjects(): Project[] {
    return [...this.projects.values()];
  }

  private findConfig(dir: string): string {
    const cached = this.configOfDir.get(dir);
    if (cached !== undefined) return cached;
    let found = "";
    const candidate = join(dir, CONFIG_NAME);
    if (isFile(candidate)) found = candidate;
    else {
      const parent = dirname(dir);
      if (parent !== dir) found = this.findConfig(parent);
    }
    this.configOfDir.set(dir, found);
    return found;
  }

  /**
   * Re-reads what changed on disk: configs created or deleted (folder lookups are redone), configs and schemas
   * whose size or time changed, and (with `rescan`, the default) the globs' file lists, which walks the
   * projects' folders. Returns the projects that changed.
   */
  refresh(options: { rescan?: boolean } = {}): Project[] {
    const rescan = options.rescan ?? true;
    this.configOfDir.clear();
    const changed: Project[] = [];
    for (const [config, project] of this.projects) {
      if (!isFile(config)) {
        this.projects.delete(config);
        changed.push(project);
        continue;
      }
      const stale = [...project.stamps].some(([path, stamp]) => stampOf(path) !== stamp);
      if (stale) {
        const next = loadProject(config);
        this.projects.set(config, next);
        changed.push(next);
        continue;
      }
      if (!rescan) continue;
      const files = listSegmentFiles(config, readConfig(config).globs).files;
      if (files.join("\n") !== project.segmentFiles.join("\n")) {
        project.segmentFiles = files;
        changed.push(project);
      }
    }
    return changed;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return "missing";
  }
}

interface ConfigContents {
  schemaPath: string | null;
  globs: string[];
  /** The project's time zone ("timeZone"), when given and known to Intl. */
  timeZone?: string;
  problems: ProjectProblem[];
  /** The config's text, when it could be read. */
  text: string | null;
  /** Where to point at for a problem of the schema file or of the globs: the values of those keys. */
  schemaRange: Range | null;
  segmentsRange: Range | null;
}

interface Range {
  from: number;
  to: number;
}

/** A problem located in a file's text (`location` with a 1-based line and column for messages). */
function located(uri: string, text: string, range: Range | null, message: string, severity: ProjectProblem["severity"] = "error"): ProjectProblem {
  if (!range) return { message, severity };
  const { line, column } = new LineIndex(text).locate(range.from);
  return { message, severity, location: { uri, from: range.from, to: range.to, line, column } };
}

function readConfig(configPath: string): ConfigContents {
  const uri = pathToUri(configPath);
  const problems: ProjectProblem[] = [];
  const none = { schemaPath: null, globs: [], problems, schemaRange: null, segmentsRange: null };
  let text: string;
  try {
    text = withoutBom(readFileSync(configPath, "utf8"));
  } catch (e) {
    problems.push({ message: `${CONFIG_NAME} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, severity: "error" });
    return { ...none, text: null };
  }
  const problem = (range: Range | null, message: string, severity: ProjectProblem["severity"] = "error") =>
    problems.push(located(uri, text, range ?? { from: 0, to: 0 }, message, severity));
  const tree = parseJsonTree(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = tree.error?.message ?? (e as Error).message.replace(/^Unexpected/, "unexpected");
    problem(tree.error, `not valid JSON: ${message}`);
    return { ...none, text };
  }
  const root = tree.root;
  const valueRange = (key: string): Range | null => (root ? rangeOfJsonPath(root, [key]) : null);
  const keyRange = (key: string): Range | null => (root ? rangeOfJsonPath(root, [key], "key") : null);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    problem(root, 'expected an object such as { "schema": "schema.json", "segments": ["segments/**/*.segql"] }');
    return { ...none, text };
  }
  if (root) for (const d of duplicateKeys(root)) problem(d, `duplicate key "${d.key}" (only the last one counts)`, "warning");
  const obj = json as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== "schema" && key !== "segments" && key !== "timeZone" && key !== "$schema") problem(keyRange(key), `unknown key "${key}" (known: "schema", "segments", "timeZone")`);
  }
  let timeZoneName: string | undefined;
  if (obj["timeZone"] !== undefined) {
    const value = obj["timeZone"];
    try {
      if (typeof value !== "string") throw new TimeZoneError(String(value));
      timeZoneName = timeZone(value).name;
    } catch (e) {
      if (!(e instanceof TimeZoneError)) throw e;
      problem(valueRange("timeZone"), `"timeZone": ${e.message}`);
    }
  }
  let schemaPath: string | null = null;
  if (obj["schema"] !== undefined) {
    if (typeof obj["schema"] !== "string" || obj["schema"] === "") problem(valueRange("schema"), '"schema" must be a path relative to segql.json, such as "schema.json"');
    else schemaPath = resolve(dirname(configPath), obj["schema"]);
  }
  const globs: string[] = [];
  if (obj["segments"] !== undefined) {
    const list = obj["segments"];
    if (!Array.isArray(list) || list.some((g) => typeof g !== "string" || g === "")) {
      const bad = Array.isArray(list) ? list.findIndex((g) => typeof g !== "string" || g === "") : -1;
      const range = root ? rangeOfJsonPath(root, bad >= 0 ? ["segments", bad] : ["segments"]) : null;
      problem(range, '"segments" must be a list of glob patterns relative to segql.json, such as ["segments/**/*.segql"]');
    } else globs.push(...(list as string[]));
  }
  return { schemaPath, globs, problems, text, schemaRange: valueRange("schema"), segmentsRange: valueRange("segments"), ...(timeZoneName !== undefined ? { timeZone: timeZoneName } : {}) };
}

function loadProject(configPath: string): Project {
  const stamps = new Map<string, string>([[configPath, stampOf(configPath)]]);
  const config = readConfig(configPath);
  const { schemaPath, globs, problems } = config;
  const configUri = pathToUri(configPath);
  const files = new Map<string, string>();
  if (config.text !== null) files.set(configUri, config.text);
  const atConfig = (range: Range | null, message: string, severity: ProjectProblem["severity"] = "error") =>
    problems.push(config.text === null ? { message: `${CONFIG_NAME}: ${message}`, severity } : located(configUri, config.text, range ?? { from: 0, to: 0 }, message, severity));
  let schema: Schema | null = null;
  let schemaSource: ProjectInfo["schemaSource"];
  if (schemaPath) {
    stamps.set(schemaPath, stampOf(schemaPath));
    const schemaUri = pathToUri(schemaPath);
    let text: string | null = null;
    try {
      if (statSync(schemaPath).isDirectory()) atConfig(config.schemaRange, `the schema is a folder, not a file: ${schemaPath}`);
      else text = withoutBom(readFileSync(schemaPath, "utf8"));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      atConfig(config.schemaRange, code === "ENOENT" ? `schema file not found: ${schemaPath}` : `cannot read the schema (${code ?? (e as Error).message}): ${schemaPath}`);
    }
    if (text !== null) {
      files.set(schemaUri, text);
      try {
        schema = parseSchema(text, schemaPath);
        schemaSource = { uri: schemaUri, text };
      } catch (e) {
        if (e instanceof SchemaError) {
          for (const p of e.problems) {
            const message = p.path ? `${p.path}: ${p.message}` : p.message;
            problems.push(p.span
              ? { message, severity: "error", location: { uri: schemaUri, from: p.span.start, to: p.span.end, line: p.span.line, column: p.span.column } }
              : { message: `invalid schema ${relative(dirname(configPath), schemaPath)}: ${message}`, severity: "error" });
          }
        } else atConfig(config.schemaRange, `cannot read the schema: ${(e as Error).message}`);
      }
    }
  }
  const listed = listSegmentFiles(configPath, globs);
  if (listed.truncated) {
    atConfig(config.segmentsRange, `"segments" names more than ${MAX_SEGMENT_FILES} files; only the first ${MAX_SEGMENT_FILES} are read`, "warning");
  }
  return {
    configPath,
    info: { key: configPath, schema, problems, ...(schemaSource ? { schemaSource } : {}), ...(config.timeZone !== undefined ? { timeZone: config.timeZone } : {}) },
    segmentFiles: listed.files,
    stamps,
    files,
  };
}

// ---- globs -------------------------------------------------------------------------------------------

/** A glob (`**`, `*`, `?`, `{a,b}`) as a regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "{") {
      const close = glob.indexOf("}", i);
      if (close < 0) re += "\\{";
      else {
        re += `(?:${glob.slice(i + 1, close).split(",").map((p) => p.replace(/[.+^$()|[\]\\*?]/g, "\\$&")).join("|")})`;
        i = close;
      }
    } else re += c.replace(/[.+^$()|[\]\\{}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The files under the config's folder matching any glob, sorted, at most `MAX_SEGMENT_FILES`. */
function listSegmentFiles(configPath: string, globs: string[]): { files: string[]; truncated: boolean } {
  if (globs.length === 0) return { files: [], truncated: false };
  const root = dirname(configPath);
  const patterns = globs.map((g) => globToRegExp(g.replace(/^\.\//, "")));
  const out: string[] = [];
  let truncated = false;
  const walk = (dir: string, depth: number) => {
    if (depth > 30 || truncated) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".") || SKIPPED_DIRECTORIES.has(e.name)) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full, depth + 1);
      else if (e.isFile()) {
        const rel = relative(root, full).split(sep).join("/");
        if (patterns.some((p) => p.test(rel))) {
          if (out.length >= MAX_SEGMENT_FILES) {
            truncated = true;
            return;
          }
          out.push(full);
        }
      }
    }
  };
  // Globs that climb out of the folder (`../x/*.segql`) are not followed: a project is its folder.
  if (globs.every((g) => !isAbsolute(g))) walk(root, 0);
  return { files: out.sort(), truncated };
}
