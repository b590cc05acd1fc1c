/**
 * The format of a data file a command reads (contacts, events, keys), from its name or `--format`.
 */
import { CliError } from "./io.js";

/**
 * The format a data file's name says (`contacts.csv`, `events.jsonl.gz`), or a usage error naming the
 * file, the extensions `formats` knows and `--format`.
 */
export function formatFromName<F extends string>(path: string, formats: Readonly<Record<string, F>>): F {
  const plain = path.replace(/\.gz$/i, "");
  const dot = plain.lastIndexOf(".");
  const ext = dot > plain.lastIndexOf("/") ? plain.slice(dot).toLowerCase() : "";
  const format = Object.hasOwn(formats, ext) ? formats[ext] : undefined;
  if (format !== undefined) return format;
  const known = Object.keys(formats);
  const list = `${known.slice(0, -1).join(", ")} or ${known.at(-1)}`;
  if (/\.gz$/i.test(path)) {
    throw new CliError(`${path}: cannot tell the format from the name: the extension before .gz says it (${known.slice(0, 2).map((k) => `${k}.gz`).join(", ")}, …), or give --format`);
  }
  throw new CliError(`${path}: cannot tell the format from the ${ext ? `extension '${ext}'` : "name (no extension)"}: use ${list}, or give --format`);
}
