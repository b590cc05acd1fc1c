/**
 * `segql serve` as a real process on a DuckDB file: prints its URL on 127.0.0.1, requires the token from
 * SEGQL_TOKEN, serves a web build, shuts down cleanly on SIGTERM and SIGINT (the file reopens with what
 * was written), and refuses bad options, a new database without a schema, a taken port and a file held
 * by another server with exit code 2 and a message.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseAge, parseDuration } from "../../src/cli/commands/serve.js";
import { DEFAULT_PORT } from "../../src/server/index.js";
import { schemaToJson } from "../../src/store/schema-json.js";
import { crmSchema } from "../store/helpers.js";
import { readReply } from "./helpers.js";
import { serveFails, startServe } from "./process.js";

describe("segql serve options", () => {
  it("prints its help, listed among the commands", async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), readStdin: async () => "" };
    expect(await main(["serve", "--help"], io)).toBe(0);
    expect(out.join("\n")).toMatch(/--refresh-every DUR/);
    expect(out.join("\n")).toContain(`default ${DEFAULT_PORT}`);
    out.length = 0;
    await main(["--help"], io);
    expect(out.join("\n")).toMatch(/serve\s+serve the segments HTTP API/);
  });

  it("reads durations with a unit, at least a second, or off", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("1500ms")).toBe(1500);
    expect(parseDuration("off")).toBeNull();
    for (const bad of ["5", "5 minutes", "-1s", "999ms", "1.5m", ""]) expect(() => parseDuration(bad), bad).toThrow(/--refresh-every/);
  });

  it("reads ages in days, hours, minutes or seconds, and forever where the option takes it", () => {
    expect(parseAge("30d", "--keep-deleted", true)).toBe(30 * 86_400_000);
    expect(parseAge(" 12h ", "--keep-deleted", true)).toBe(12 * 3_600_000);
    expect(parseAge("0d", "--older-than")).toBe(0);
    expect(parseAge("forever", "--keep-deleted", true)).toBeNull();
    expect(() => parseAge("forever", "--older-than")).toThrow("--older-than: expected an age such as 30d, 12h or 90m, got 'forever'");
    for (const bad of ["30", "1w", "-1d", "1.5d", "", "36501d"]) expect(() => parseAge(bad, "--keep-deleted", true), bad).toThrow(/^--keep-deleted: /);
  });
});

describe("segql serve (a real process)", () => {
  let dir: string;
  let schemaFile: string;
  let webDir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "segql-serve-"));
    schemaFile = join(dir, "schema.json");
    writeFileSync(schemaFile, JSON.stringify(schemaToJson(crmSchema)));
    webDir = join(dir, "web");
    mkdirSync(join(webDir, "assets"), { recursive: true });
    writeFileSync(join(webDir, "index.html"), "<!doctype html><title>segql app</title>");
    writeFileSync(join(webDir, "assets", "app.js"), "console.log('app')");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves the API with the token from SEGQL_TOKEN and the web build, stops on SIGTERM, and the file reopens with the data", async () => {
    const db = join(dir, "crm.duckdb");
    const p = await startServe(["--db", db, "--schema", schemaFile, "--port", "0", "--refresh-every", "off", "--static", webDir], { SEGQL_TOKEN: "tok-1" });
    try {
      expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(p.output()).toMatch(/needs 'Authorization: Bearer <token>'/);
      const auth = { authorization: "Bearer tok-1", "content-type": "application/json" };
      expect((await p.fetch("/api/health")).status).toBe(401);
      expect((await p.fetch("/api/contacts", { method: "POST", headers: auth, body: JSON.stringify({ contacts: [{ id: "c1", ltv: 50 }] }) })).status).toBe(200);
      const created = await readReply(await p.fetch("/api/segments", { method: "POST", headers: auth, body: JSON.stringify({ name: "Fifty", kind: "dynamic", expression: "ltv >= 50" }) }));
      expect(created.status).toBe(201);
      // The web build: files; a page address typed as a path goes to the app's route for it (the app routes
      // by the hash; its page at /segments/1 would look for its files under /segments/); missing files 404;
      // no token needed for them.
      const page = await fetch(`${p.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("segql app");
      const route = await fetch(`${p.url}/segments/${created.body.id}/?tab=sql`, { headers: { accept: "text/html" }, redirect: "manual" });
      expect(route.status).toBe(302);
      expect(route.headers.get("location")).toBe(`/#/segments/${created.body.id}?tab=sql`);
      expect(await (await fetch(`${p.url}/segments/${created.body.id}`, { headers: { accept: "text/html" } })).text()).toContain("segql app");
      expect((await fetch(`${p.url}/segments/assets/app.js`)).status).toBe(404);
      expect(await (await fetch(`${p.url}/assets/app.js`)).text()).toContain("console.log");
      expect((await fetch(`${p.url}/assets/missing.js`)).status).toBe(404);
      expect((await fetch(`${p.url}/%2e%2e/schema.json`)).status).toBe(404);
    } finally {
      p.child.kill("SIGTERM");
    }
    const exit = await p.exited;
    expect(exit.code).toBe(0);
    expect(p.output()).toMatch(/SIGTERM: shutting down/);

    const again = await startServe(["--db", db, "--port", "0", "--refresh-every", "off"]);
    try {
      const list = await readReply(await again.fetch("/api/segments"));
      expect(list.body.items.map((s: { name: string; memberCount: number }) => [s.name, s.memberCount])).toEqual([["Fifty", 1]]);
    } finally {
      again.child.kill("SIGINT");
    }
    expect((await again.exited).code).toBe(0);
  });

  it("refuses a second server on the same file, a taken port and a new database without a schema (exit 2)", async () => {
    const db = join(dir, "held.duckdb");
    const first = await startServe(["--db", db, "--schema", schemaFile, "--port", "0", "--refresh-every", "off"]);
    try {
      const second = await serveFails(["--db", db, "--port", "0"]);
      expect(second.code).toBe(2);
      expect(second.output).toMatch(/in use by another process/);
      const port = new URL(first.url).port;
      const taken = await serveFails(["--db", join(dir, "other.duckdb"), "--schema", schemaFile, "--port", port]);
      expect(taken.code).toBe(2);
      expect(taken.output).toMatch(new RegExp(`port ${port} on 127.0.0.1 is in use`));
    } finally {
      first.child.kill("SIGTERM");
      await first.exited;
    }
    const noSchema = await serveFails(["--db", join(dir, "new.duckdb"), "--port", "0"]);
    expect(noSchema.code).toBe(2);
    expect(noSchema.output).toMatch(/schema/i);
  });

  it("refuses bad options with exit 2 and a message, before opening anything", async () => {
    for (const [args, message] of [
      [["--port", "http"], /--port: expected a port number/],
      [["--port", "70000"], /--port: expected a port number/],
      [["--refresh-every", "10"], /--refresh-every: expected a duration/],
      [["--refresh-every", "100ms"], /at least 1s/],
      [["--keep-deleted", "30"], /--keep-deleted: expected an age such as 30d, 12h or 90m \(or forever\), got '30'/],
      [["--static", dir], /has no index.html/],
      [["--token", " "], /the token cannot be empty/],
      [["--frobnicate"], /unknown option '--frobnicate'/],
      [["extra"], /unexpected argument 'extra'/],
    ] as const) {
      const err: string[] = [];
      const code = await main(["serve", "--db", join(dir, "never.duckdb"), ...args], { out: () => undefined, err: (t) => err.push(t), readStdin: async () => "" });
      expect(code, args.join(" ")).toBe(2);
      expect(err.join("\n")).toMatch(message);
    }
    expect(existsSync(join(dir, "never.duckdb"))).toBe(false);
  });

  it("--demo fills a new database once, and refuses a database made with another schema", async () => {
    const db = join(dir, "demo.duckdb");
    const p = await startServe(["--demo", "--db", db, "--port", "0", "--refresh-every", "off"]);
    let first: { contacts: number; events: number; segments: number };
    try {
      expect(p.output()).toMatch(/demo data added: \d+ contacts, \d+ events, \d+ segments/);
      first = (await readReply(await p.fetch("/api/health"))).body;
      expect(first.contacts).toBeGreaterThan(1000);
      expect(first.segments).toBeGreaterThanOrEqual(4);
      const segments = (await readReply(await p.fetch("/api/segments"))).body.items as { kind: string; expression: string | null; references: unknown[] }[];
      expect(segments.some((s) => s.kind === "static")).toBe(true);
      expect(segments.some((s) => s.expression?.includes("performed"))).toBe(true);
      expect(segments.some((s) => s.references.length > 0)).toBe(true);
    } finally {
      p.child.kill("SIGTERM");
    }
    expect((await p.exited).code).toBe(0);
    const again = await startServe(["--demo", "--db", db, "--port", "0", "--refresh-every", "off"]);
    try {
      expect(again.output()).not.toMatch(/demo data added/);
      const health = (await readReply(await again.fetch("/api/health"))).body;
      expect({ contacts: health.contacts, events: health.events, segments: health.segments }).toEqual({ contacts: first.contacts, events: first.events, segments: first.segments });
    } finally {
      again.child.kill("SIGTERM");
      await again.exited;
    }
    const other = join(dir, "other-schema.duckdb");
    const made = await startServe(["--db", other, "--schema", schemaFile, "--port", "0", "--refresh-every", "off"]);
    made.child.kill("SIGTERM");
    await made.exited;
    const refused = await serveFails(["--demo", "--db", other, "--port", "0"]);
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/was not made by --demo/);
  });

  it("warns when it listens beyond this machine without a token", async () => {
    const probe = createServer();
    const canBindAll = await new Promise<boolean>((resolve) => {
      probe.once("error", () => resolve(false));
      probe.listen(0, "0.0.0.0", () => probe.close(() => resolve(true)));
    });
    if (!canBindAll) return;
    const p = await startServe(["--db", ":memory:", "--schema", schemaFile, "--host", "0.0.0.0", "--port", "0", "--refresh-every", "off"]);
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(p.output()).toMatch(/warning: listening on 0\.0\.0\.0 without a token/);
    } finally {
      p.child.kill("SIGTERM");
      await p.exited;
    }
  });
});
