/**
 * `main`'s exit codes in-process: 0 ok, 1 problems in the input, 2 usage errors, 3 internal errors, which
 * print one line asking to report them (the stack only with SEGQL_DEBUG=1). An internal error is made
 * here the way one happens outside segql's control: the output stream failing under a command.
 */
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { EXIT, internalErrorMessage, type Io } from "../../src/cli/io.js";
import { SCHEMA, segql } from "./helpers.js";

function failingIo(): Io & { errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    out: () => {
      throw new Error("write EIO\nmore detail");
    },
    err: (t) => errors.push(t),
    readStdin: async () => "",
  };
}

describe("exit codes", () => {
  afterEach(() => {
    delete process.env["SEGQL_DEBUG"];
  });

  it("0 ok, 1 problems in the input, 2 usage errors", async () => {
    expect((await segql(["check", "-s", SCHEMA, "tenure > 1"])).code).toBe(EXIT.ok);
    expect((await segql(["check", "-s", SCHEMA, "tenure >"])).code).toBe(EXIT.problems);
    expect((await segql(["check", "--nope"])).code).toBe(EXIT.usage);
    expect((await segql(["compile", "-s", SCHEMA, "signed_up_at > 20000 years ago"])).code).toBe(EXIT.problems);
    expect(EXIT).toEqual({ ok: 0, problems: 1, usage: 2, internal: 3 });
  });

  it("a mistyped command names the one meant; `segql help COMMAND` prints that command's help", async () => {
    const typo = await segql(["chek", "x"]);
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.stderr.split("\n")[0]).toBe("segql: unknown command 'chek'; did you mean 'check'?");
    expect((await segql(["xyzzy"])).stderr.split("\n")[0]).toBe("segql: unknown command 'xyzzy'");
    const help = await segql(["help", "fmt"]);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toMatch(/^usage: segql fmt /);
  });

  it("an unexpected error is exit 3 with one line naming the command, and no stack", async () => {
    // check prints nothing on standard output when all is well, so the failing stream does not matter.
    expect(await main(["check", "-s", SCHEMA, "tenure > 1"], failingIo())).toBe(EXIT.ok);
    const io = failingIo();
    expect(await main(["fmt", "tenure>1"], io)).toBe(EXIT.internal);
    expect(io.errors).toEqual([
      "segql fmt: internal error: write EIO — please report this at the segql issue tracker, with the command and its input",
    ]);
  });

  it("SEGQL_DEBUG=1 adds the stack after that line", async () => {
    process.env["SEGQL_DEBUG"] = "1";
    const io = failingIo();
    expect(await main(["--version"], io)).toBe(EXIT.internal);
    const [line, ...stack] = io.errors[0]!.split("\n");
    expect(line).toBe("segql: internal error: write EIO — please report this at the segql issue tracker, with the command and its input");
    expect(stack.join("\n")).toMatch(/^Error: write EIO\nmore detail\n\s+at /);
  });

  it("internalErrorMessage takes any thrown value", () => {
    expect(internalErrorMessage("segql eval", "a string", {})).toBe(
      "segql eval: internal error: a string — please report this at the segql issue tracker, with the command and its input",
    );
  });
});
