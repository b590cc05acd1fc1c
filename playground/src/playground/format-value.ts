/** How values read in the playground: instants as ISO-8601 UTC, lists joined, empty as an em dash. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "—" : v.toISOString().replace(".000Z", "Z");
  if (Array.isArray(v)) return v.length === 0 ? "[]" : v.map((x) => formatValue(x)).join(", ");
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  if (typeof v === "string") return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/.test(v) ? v.replace(".000Z", "Z") : v;
  return String(v);
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
