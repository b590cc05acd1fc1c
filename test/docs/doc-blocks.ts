/**
 * The examples a doc marks as runnable: a fenced block preceded by `<!-- example: KIND -->` (an HTML
 * comment, invisible when the markdown is rendered), and the lines of a shell block read the way a POSIX
 * shell reads the ones the docs write (quotes, `$API`, `$(printf %s '…' | jq -sRr @uri)`, a trailing
 * `# comment`).
 */

/** A marked block: its kind, language, text, the line it starts on, and the fenced block right after it, if any. */
export interface MarkedBlock {
  kind: string;
  lang: string;
  text: string;
  line: number;
  /** A fenced block that follows this one with nothing but blank lines between (the answer, for an `sh` block). */
  next: { lang: string; text: string } | null;
}

/**
 * The blocks of `markdown` marked `<!-- example: KIND -->`, in order; a block indented under a list item
 * (marker and fences at the same indent) is read without that indent.
 */
export function markedBlocks(markdown: string): MarkedBlock[] {
  const out: MarkedBlock[] = [];
  const re = /^( *)<!-- example: ([\w-]+) -->\n\1```(\w*)\n([\s\S]*?)\n\1```\n(?:[ \t]*\n)*(?:\1```(\w*)\n([\s\S]*?)\n\1```)?/gm;
  for (const m of markdown.matchAll(re)) {
    const indent = m[1]!;
    const dedent = (text: string) => text.split("\n").map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join("\n");
    const line = markdown.slice(0, m.index).split("\n").length + 1;
    out.push({ kind: m[2]!, lang: m[3]!, text: dedent(m[4]!), line, next: m[5] !== undefined ? { lang: m[5], text: dedent(m[6]!) } : null });
  }
  return out;
}

/** A command of a shell block, with the comment lines that follow it. */
export interface ShellCommand {
  /** The command, continuation lines joined, without its trailing comment. */
  command: string;
  /** Its trailing comment and the `#` lines right after it that continue it (an answer over lines). */
  comment: string;
  line: number;
}

/**
 * The commands of a shell block. A `#` line before a command is a heading for it; one right after a
 * command is that command's answer when it starts with one (`{`, `[`, a status) and the command's own
 * comment is words, not an answer; `#  ` and an indent continue an answer.
 */
export function shellCommands(block: string, firstLine = 1): ShellCommand[] {
  const out: ShellCommand[] = [];
  const lines = block.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const last = out[out.length - 1];
      const text = line.replace(/^#\s?/, "");
      const isAnswer = (t: string) => /^(\d{3}\b|[{[])/.test(t);
      if (!last || lines[i - 1]!.trim() === "") continue;
      if (isAnswer(last.comment) && /^#\s{2,}/.test(line)) last.comment += " " + text.trim();
      else if (!isAnswer(last.comment) && isAnswer(text)) last.comment = text; // after a comment in words
      continue;
    }
    let joined = line;
    const start = i;
    while (joined.endsWith("\\") && i + 1 < lines.length) joined = joined.slice(0, -1) + " " + lines[++i]!.trim();
    const hash = trailingComment(joined);
    out.push({ command: (hash < 0 ? joined : joined.slice(0, hash)).trim(), comment: hash < 0 ? "" : joined.slice(hash + 1).trim(), line: firstLine + start });
  }
  return out;
}

/** Where an unquoted `#` after a blank starts a comment, or -1. */
function trailingComment(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && i > 0 && /\s/.test(line[i - 1]!)) return i;
  }
  return -1;
}

/** jq's `@uri`: every byte but the unreserved characters percent-encoded. */
export function jqUri(text: string): string {
  return [...new TextEncoder().encode(text)].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}

/**
 * Splits a command into words as a shell does for the forms the docs use: single quotes, double quotes
 * (with `\"`, `\\`, `\$` and the variables of `vars`), `$(printf %s 'TEXT' | jq -sRr @uri)`; stops at an
 * unquoted `|` (a pipe into `jq` only formats what is printed). Anything else shell-like is an error, so
 * the test says which example it cannot run rather than running something else.
 */
export function shellWords(command: string, vars: Record<string, string>): string[] {
  const expanded = command.replace(/\$\(printf %s '([^']*)' \| jq -sRr @uri\)/g, (_, text: string) => jqUri(text));
  const words: string[] = [];
  let word: string | null = null;
  const variable = (text: string, i: number): [string, number] => {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    if (!m) throw new Error(`cannot run '${command}': a $ that is not a variable`);
    if (!(m[1]! in vars)) throw new Error(`cannot run '${command}': $${m[1]} is not set`);
    return [vars[m[1]!]!, i + m[0].length];
  };
  for (let i = 0; i < expanded.length; ) {
    const c = expanded[i]!;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word), (word = null);
      i++;
    } else if (c === "|") break;
    else if (c === "'") {
      const end = expanded.indexOf("'", i + 1);
      word = (word ?? "") + expanded.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      word ??= "";
      i++;
      while (expanded[i] !== '"') {
        if (i >= expanded.length) throw new Error(`cannot run '${command}': unterminated "`);
        if (expanded[i] === "\\" && /["\\$`]/.test(expanded[i + 1]!)) (word += expanded[i + 1]), (i += 2);
        else if (expanded[i] === "$") {
          const [value, end] = variable(expanded, i);
          (word += value), (i = end);
        } else word += expanded[i++];
      }
      i++;
    } else if (c === "$") {
      const [value, end] = variable(expanded, i);
      (word = (word ?? "") + value), (i = end);
    } else if (c === "\\") {
      word = (word ?? "") + expanded[i + 1];
      i += 2;
    } else if (/[;&<>`()]/.test(c)) throw new Error(`cannot run '${command}': '${c}' is more shell than the examples' runner reads`);
    else (word = (word ?? "") + c), i++;
  }
  if (word !== null) words.push(word);
  return words;
}
