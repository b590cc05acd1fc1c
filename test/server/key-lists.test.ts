/**
 * The CSV reader of member uploads against the character-at-a-time reader it replaced (kept here as the
 * reference): the same rows, lines and problems for any text made of the characters CSV cares about.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvRows, Problems, readKeyList } from "../../src/server/key-lists.js";

/** The reader before it sliced cells (src/server/key-lists.ts up to 2dd743a). */
function* referenceRows(text: string, problems: Problems): Generator<{ line: number; cells: string[] }> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let cell = "";
    for (;;) {
      if (text[i] === '"' && cell === "") {
        let closed = false;
        i++;
        while (i < n) {
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === "\n") line++;
          cell += ch;
          i++;
        }
        if (!closed) {
          problems.add(start, "a quoted cell is not closed");
          return;
        }
        if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          problems.add(line, "text after a closing quote (a quote inside a cell is written twice: \"\")");
          return;
        }
      }
      const ch = text[i];
      if (ch === undefined) {
        cells.push(cell);
        break;
      }
      if (ch === ",") {
        cells.push(cell);
        cell = "";
        i++;
        continue;
      }
      if (ch === "\r" || ch === "\n") {
        cells.push(cell);
        i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line++;
        break;
      }
      cell += ch;
      i++;
    }
    yield { line: start, cells };
  }
}

const rowsOf = (read: typeof csvRows, text: string) => {
  const problems = new Problems();
  const rows = [...read(text, problems)];
  return { rows, problems: problems.list, total: problems.total };
};

describe("CSV member lists", () => {
  it("read the same rows, lines and problems as the reference reader", () => {
    const text = fc.array(fc.constantFrom('"', ",", "\n", "\r", "\r\n", "a", "b", " ", '""', "é"), { maxLength: 60 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, (t) => {
        expect(rowsOf(csvRows, t)).toEqual(rowsOf(referenceRows, t));
      }),
      { numRuns: 3000 },
    );
  });

  it("a header row names the key column; quoted keys keep their commas, quotes and line breaks", () => {
    expect(readKeyList('name,id\r\nx,"a,1"\ny,"b ""2"""\nz,"c\nd"\n', "csv", "id", undefined)).toEqual({ ok: true, keys: ["a,1", 'b "2"', "c\nd"] });
    expect(readKeyList('id\n"a\n', "csv", "id", undefined)).toEqual({ ok: false, problems: [{ line: 2, message: "a quoted cell is not closed" }], total: 1 });
  });
});
