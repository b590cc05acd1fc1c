/**
 * Usage slips a script makes: `segql help NAME` with a name that is no command printed the general usage
 * and exited 0 (a script checking `segql help X` learnt nothing), and `segql eval --data ""` (a variable
 * unset) said `--data FILE is required`, though --data was given. Now: exit 2 with the nearest command;
 * the empty file name said as every other command says it.
 */
import { describe, expect, it } from "vitest";
import { segql, SCHEMA } from "./helpers.js";

describe("segql help NAME", () => {
  it("an unknown command is a usage error (exit 2) with the nearest one", async () => {
    const r = await segql(["help", "chek"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe("segql: unknown command 'chek'; did you mean 'check'?");
    expect(r.stdout).toBe("");
  });

  it("a command prints its help (exit 0), and help alone the usage (exit 0), as before", async () => {
    expect(await segql(["help", "check"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: segql check /) });
    expect(await segql(["help"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^segql: a segment language/) });
  });

  it("help with more than one word is a usage error too", async () => {
    expect((await segql(["help", "check", "fmt"])).code).toBe(2);
  });
});

describe("segql eval --data with an empty file name", () => {
  it("says the name is empty (is a variable unset?), exit 2", async () => {
    expect(await segql(["eval", "--schema", SCHEMA, "--data", "", "lifetime_value > 1"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "segql eval: data file not found: '' (an empty file name: is a variable unset?)",
    });
  });
});
