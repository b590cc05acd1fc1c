/**
 * A mistyped option or option value in a pipeline's script: the usage error (exit 2) names the nearest
 * known spelling, so the fix is read off the message instead of the --help.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

describe("usage errors suggest the nearest spelling", () => {
  it("an unknown option names the nearest known one, and still lists them all", async () => {
    const cases: [string[], string][] = [
      [["compile", "-s", SCHEMA, "--dialct", "sqlite", "tenure > 1"], "--dialect"],
      [["compile", "--schma", SCHEMA, "tenure > 1"], "--schema"],
      [["eval", "-s", SCHEMA, "--dat", "contacts.jsonl", "tenure > 1"], "--data"],
      [["check", "-s", SCHEMA, "--stric", "tenure > 1"], "--strict"],
      [["fmt", "--widht=100", "tenure > 1"], "--width"],
    ];
    for (const [argv, near] of cases) {
      const r = await segql(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(new RegExp(`^segql ${argv[0]}: unknown option '--\\w+'; did you mean '${near}'\\? \\(known: --`));
    }
  });

  it("an option far from every known one gets no guess", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "--frobnicate", "tenure > 1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate' (known: --schema/-s, --dialect/-d");
    expect(r.stderr).not.toContain("did you mean");
  });

  it("a mistyped value of --dialect, --form, eval's --format and --mode names the flag and the nearest value", async () => {
    const cases: [string[], string][] = [
      [["compile", "-s", SCHEMA, "-d", "sqlit", "tenure > 1"], "segql compile: --dialect: unknown dialect 'sqlit'; did you mean 'sqlite'? (expected one of duckdb, postgres, sqlite, mysql, bigquery, snowflake)"],
      [["compile", "-s", SCHEMA, "-d", "postgresql", "tenure > 1"], "did you mean 'postgres'?"],
      [["compile", "-s", SCHEMA, "--form", "view", "tenure > 1"], "segql compile: --form must be select, where, count or views, not 'view'; did you mean 'views'?"],
      [["eval", "-s", SCHEMA, "-d", "x.jsonl", "--format", "jsonll", "tenure > 1"], "--format must be jsonl, json or csv, not 'jsonll'; did you mean 'jsonl'?"],
      [["eval", "-s", SCHEMA, "-d", "x.jsonl", "--mode", "closures", "tenure > 1"], "--mode must be codegen or closure, not 'closures'; did you mean 'closure'?"],
    ];
    for (const [argv, message] of cases) {
      const r = await segql(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});

describe("--segment names the nearest segment", () => {
  const file = tempDir().file("s.segql", 'segment "Größe ✓" as is_verified\nsegment "VIP" as tenure > 24\nsegment "Trial users" as status = "Trial"\n');

  it("in compile (one segment and --form views), eval and relate", async () => {
    const cases: [string[], string][] = [
      [["compile", "-s", SCHEMA, "--segment", "vip", "-f", file], 'segql compile: no segment named "vip"; did you mean "VIP"? (defined: "Größe ✓", "VIP", "Trial users")'],
      [["compile", "-s", SCHEMA, "--form", "views", "--segment", "größe ✓", "-f", file], 'segql compile: no segment named "größe ✓"; did you mean "Größe ✓"? (defined: '],
      [["eval", "-s", SCHEMA, "-d", file, "--format", "jsonl", "--segment", "Trial user", "-f", file], 'segql eval: no segment named "Trial user"; did you mean "Trial users"? (defined: '],
      [["relate", "-s", SCHEMA, "-f", file, "--segment", "VIPs", "tenure > 2"], 'segql relate: no segment named "VIPs" in the files given with -f; did you mean "VIP"? (defined: '],
    ];
    for (const [argv, message] of cases) {
      const r = await segql(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});

describe("--tz names the nearest zone", () => {
  it("a misspelt zone gets the IANA name it is closest to; a made-up one none", async () => {
    const near = await segql(["compile", "-s", SCHEMA, "--tz", "Europe/Berln", "tenure > 1"]);
    expect(near.code).toBe(2);
    expect(near.stderr).toBe("segql compile: --tz: unknown time zone 'Europe/Berln': expected an IANA time zone name such as Europe/Berlin, America/New_York or UTC; did you mean 'Europe/Berlin'?");
    const far = await segql(["check", "-s", SCHEMA, "--tz", "Mars/Olympus", "tenure > 1"]);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain("did you mean");
  });
});
