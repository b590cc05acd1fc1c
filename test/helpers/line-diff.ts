/**
 * A small line diff for golden files: `-` lines only in `a`, `+` lines only in `b`, one line of context
 * around each change, `@@ line N` headers (line numbers of `a`). Null when the texts are equal.
 */
export function lineDiff(a: string, b: string, context = 1): string | null {
  if (a === b) return null;
  const x = a.split("\n");
  const y = b.split("\n");
  // Longest common subsequence table (texts are small: golden SQL).
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { kind: " " | "-" | "+"; text: string; line: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) ops.push({ kind: " ", text: x[i++]!, line: i }), j++;
    else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: "-", text: x[i++]!, line: i });
    else ops.push({ kind: "+", text: y[j++]!, line: i + 1 });
  }
  const keep = ops.map(() => false);
  ops.forEach((op, k) => {
    if (op.kind === " ") return;
    for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) keep[c] = true;
  });
  const out: string[] = [];
  let previous = -2;
  ops.forEach((op, k) => {
    if (!keep[k]) return;
    if (k !== previous + 1) out.push(`@@ line ${op.line}`);
    out.push(`${op.kind} ${op.text}`);
    previous = k;
  });
  return out.join("\n");
}
