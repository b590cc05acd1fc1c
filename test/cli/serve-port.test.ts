/**
 * `segql serve --demo` on a port another program holds: said at once, before the database is made and
 * filled with the demo (which takes seconds and was then thrown away), in the words `startServer` uses.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segql, tempDir } from "./helpers.js";

const tmp = tempDir();
let holder: Server;
let port: number;

beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen({ port: 0, host: "127.0.0.1" }, resolve));
  port = (holder.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

describe("segql serve with the port taken", { timeout: 60_000 }, () => {
  it("--demo: exit 2 with the port's message; no database made, no demo data added", async () => {
    const db = join(tmp.dir, "demo.duckdb");
    const r = await segql(["serve", "--demo", "--db", db, "--port", String(port)]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `segql serve: port ${port} on 127.0.0.1 is in use; choose another with --port` });
    expect(existsSync(db)).toBe(false);
  });

  it("an address this machine does not have: said before anything is opened", async () => {
    const db = join(tmp.dir, "elsewhere.duckdb");
    const r = await segql(["serve", "--demo", "--db", db, "--host", "192.0.2.1", "--port", String(port)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^segql serve: cannot listen on 192\.0\.2\.1: /);
    expect(existsSync(db)).toBe(false);
  });
});
