/**
 * README.md's commands must work exactly as written: every `./bin/segql.js …` line of its shell blocks runs
 * against the built CLI (npm install builds dist/ through `prepare`), and the printed SQL of the main job is
 * the SQL the README shows.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const readme = readFileSync(new URL("README.md", `file://${root}`), "utf8");
const built = existsSync(`${root}dist/cli/main.js`);

/** Shell commands of ```sh blocks, with backslash continuations joined. */
function commands(): string[] {
  const out: string[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = block[1]!.replace(/\\\n\s*/g, "");
    for (const line of joined.split("\n")) if (line.startsWith("./bin/segql.js ")) out.push(line);
  }
  return out;
}

/** Splits a command line the way a POSIX shell does for these (single and double quotes, no expansions). */
function argv(line: string): string[] {
  const args: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) args.push(m[1] ?? m[2]?.replace(/\\(.)/g, "$1") ?? m[3]!);
  return args;
}

describe.skipIf(!built)("README commands", () => {
  const lines = commands();

  it("has the main job and the examples", () => {
    expect(lines.length).toBeGreaterThanOrEqual(5);
  });

  it.each(lines)("%s", (line) => {
    const [bin, ...args] = argv(line.replace(/\s+#.*$/, ""));
    const r = spawnSync(process.execPath, [`${root}${bin!.slice(2)}`, ...args], { cwd: root, encoding: "utf8" });
    // The README's `check` example shows errors on purpose; everything else succeeds.
    expect(r.status, r.stderr).toBe(args[0] === "check" ? 1 : 0);
    expect(r.stdout.length + r.stderr.length).toBeGreaterThan(0);
  });

  it("the main job prints the SQL shown", () => {
    const main = lines[0]!;
    const [, ...args] = argv(main);
    const sql = execFileSync(process.execPath, [`${root}bin/segql.js`, ...args], { cwd: root, encoding: "utf8" });
    const shown = /```sql\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(sql.trim()).toBe(shown.trim());
  });

  it("the eval example prints the count it claims", () => {
    const line = lines.find((l) => l.includes("--count"))!;
    const [, ...args] = argv(line);
    const out = execFileSync(process.execPath, [`${root}bin/segql.js`, ...args], { cwd: root, encoding: "utf8" });
    expect(readme).toContain(`(prints ${out.trim()})`);
  });
});
