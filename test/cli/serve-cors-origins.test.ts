/**
 * `segql serve --cors` takes origins as browsers send them (`scheme://host[:port]`) or `*`: anything else
 * never equals an `Origin` header, so the server started and every browser call failed its CORS check with
 * no word of why. A trailing `/` or a path (`https://app.example.com/`), the usual slip, is said with the
 * origin to write instead; a word that is no URL is said as such. Exit 2, before the database is opened.
 */
import { describe, expect, it } from "vitest";
import { parseCorsOrigins } from "../../src/cli/commands/serve.js";
import { segql } from "./helpers.js";

describe("--cors origins", () => {
  it("takes origins, *, and a comma-separated list of them (spaces around commas are fine)", () => {
    expect(parseCorsOrigins("https://app.example.com, http://localhost:5173,*")).toEqual(["https://app.example.com", "http://localhost:5173", "*"]);
    expect(parseCorsOrigins("")).toEqual([]);
    expect(parseCorsOrigins("http://[::1]:8080")).toEqual(["http://[::1]:8080"]);
  });

  it.each([
    ["https://app.example.com/", "--cors: 'https://app.example.com/' is not an origin: write https://app.example.com (a scheme, host and port; no path, not even a final /)"],
    ["https://app.example.com/admin", "--cors: 'https://app.example.com/admin' is not an origin: write https://app.example.com (a scheme, host and port; no path, not even a final /)"],
    ["https://App.Example.com", "--cors: 'https://App.Example.com' is not an origin: write https://app.example.com (a scheme, host and port; no path, not even a final /)"],
    ["app.example.com", "--cors: 'app.example.com' is not an origin such as https://app.example.com (a scheme, host and port), or *"],
    ["not a url", "--cors: 'not a url' is not an origin such as https://app.example.com (a scheme, host and port), or *"],
    ["ftp://files.example.com", "--cors: 'ftp://files.example.com' is not an origin such as https://app.example.com (a scheme, host and port), or *"],
  ])("%s is refused, saying what to write", (text, message) => {
    expect(() => parseCorsOrigins(text)).toThrow(message);
  });

  it("segql serve exits 2 with it, before opening any database", async () => {
    expect(await segql(["serve", "--db", "/nonexistent/never.duckdb", "--port", "0", "--cors", "https://app.example.com/"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "segql serve: --cors: 'https://app.example.com/' is not an origin: write https://app.example.com (a scheme, host and port; no path, not even a final /)",
    });
  });
});
