/** A wide condition for the read tests: an `or` of `and`s, which DuckDB's planner takes quadratic time over. */

/** `ltv = 0 and name != "n0" or ltv = 1 and name != "n1" or …` over `crmSchema`, of `clauses` ands. */
export function wideOr(clauses: number): string {
  return Array.from({ length: clauses }, (_, i) => `ltv = ${i} and name != "n${i}"`).join(" or ");
}

/**
 * `name contains "zq0x" or name contains "zq1x" or …` over `crmSchema`: a substring test a PostgreSQL server
 * makes for every clause of every row (no index or plan shortcut), where it answers `wideOr`'s equalities
 * fast enough to finish 1,000 of them over 30,000 rows within 250 ms.
 */
export function wideContains(clauses: number): string {
  return Array.from({ length: clauses }, (_, i) => `name contains "zq${i}x"`).join(" or ");
}
