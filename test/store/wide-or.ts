/** A wide condition for the read tests: an `or` of `and`s, which DuckDB's planner takes quadratic time over. */

/** `ltv = 0 and name != "n0" or ltv = 1 and name != "n1" or …` over `crmSchema`, of `clauses` ands. */
export function wideOr(clauses: number): string {
  return Array.from({ length: clauses }, (_, i) => `ltv = ${i} and name != "n${i}"`).join(" or ");
}
