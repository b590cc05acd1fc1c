/**
 * The measuring loop of bench/segments, one for every engine (engine.ts says what differs): previews,
 * the refresh of the 100 segments after 1% of the contacts changed, and contact upsert → change in the
 * feed, each beside hand-written SQL doing the same work on the same database, interleaved run by run.
 * Returns the engine's Markdown subsection (without its heading).
 */
import { loadavg } from "node:os";
import type { Engine, Opened } from "./engine.js";
import { NOW, previews as previewSpecs, specs } from "./workload.js";

/** Runs `fn`, returning its wall time and the process's CPU time (user + system, every thread), in ms. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpu: number; value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1000, value };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Measures the store opened on `engine` (`opened`, its clock fixed at `NOW`) and returns the Markdown subsection. */
export async function measure(engine: Engine, opened: Opened, loadBefore: number[], log: (line: string) => void): Promise<string> {
  const { store, db } = opened;
  const now = NOW;
  const previewList = previewSpecs(engine.sql);
  log(`  generated ${engine.contacts.toLocaleString("en-US")} contacts and ${engine.events.toLocaleString("en-US")} events in ${opened.generatedIn.toFixed(1)} s`);

  // 100 segments (their first membership computed by the store).
  const list = specs(engine.sql);
  const ids: number[] = [];
  const t1 = performance.now();
  for (const s of list) ids.push((await store.createSegment({ name: s.name, kind: "dynamic", expression: s.expression })).id);
  const createMs = performance.now() - t1;
  await opened.settle?.();
  log(`  created ${list.length} segments in ${(createMs / 1000).toFixed(1)} s`);
  // The hand-written conditions select the same contacts as the saved segments.
  for (let i = 0; i < list.length; i++) {
    const n = Number((await db.query(`SELECT COUNT(*) AS n FROM contacts WHERE ${list[i]!.hand}`))[0]!["n"]);
    const saved = (await store.getSegment(ids[i]!)).memberCount;
    if (n !== saved) throw new Error(`${list[i]!.name}: hand-written SQL counts ${n}, the store has ${saved} members`);
  }

  // 1. Preview, and hand-written count + first page, interleaved.
  interface PreviewStats {
    label: string;
    expression: string;
    contact: boolean;
    p50: number;
    p95: number;
    cpu: number;
    bareP50: number;
    bareP95: number;
    bareCpu: number;
    handP50: number;
    handP95: number;
    handCpu: number;
    count: number;
  }
  const previews: PreviewStats[] = [];
  const mismatches: string[] = [];
  for (const p of previewList) {
    const times: number[] = [];
    const cpus: number[] = [];
    const bare: number[] = [];
    const bareCpus: number[] = [];
    const hand: number[] = [];
    const handCpus: number[] = [];
    let count = 0;
    for (let i = 0; i < 22; i++) {
      const r = await timed(() => store.preview(p.expression, { limit: 20 }));
      // What the goal names: the count and the first page (no per-condition counts).
      const b = await timed(() => store.preview(p.expression, { limit: 20, conditionCounts: false }));
      if (b.value.count !== r.value.count) mismatches.push(`${p.label}: preview without condition counts counts ${b.value.count}, with them ${r.value.count}`);
      // The event rule has no hand-written peer (its scans take seconds; no goal applies to it).
      const h = p.hand
        ? await timed(async () => {
            const n = Number((await db.query(`SELECT COUNT(*) AS n FROM contacts WHERE ${p.hand}`))[0]!["n"]);
            await db.query(`SELECT * FROM contacts WHERE ${p.hand} ORDER BY id LIMIT 20`);
            return n;
          })
        : null;
      if (h && h.value !== r.value.count) mismatches.push(`${p.label}: the hand-written SQL counts ${h.value}, preview ${r.value.count}`);
      if (i >= 2) {
        times.push(r.ms);
        cpus.push(r.cpu);
        bare.push(b.ms);
        bareCpus.push(b.cpu);
        if (h) {
          hand.push(h.ms);
          handCpus.push(h.cpu);
        }
      }
      count = r.value.count;
    }
    const none = hand.length === 0;
    const stats = {
      ...p,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      cpu: percentile(cpus, 50),
      bareP50: percentile(bare, 50),
      bareP95: percentile(bare, 95),
      bareCpu: percentile(bareCpus, 50),
      handP50: none ? NaN : percentile(hand, 50),
      handP95: none ? NaN : percentile(hand, 95),
      handCpu: none ? NaN : percentile(handCpus, 50),
      count,
    };
    previews.push(stats);
    log(`  preview ${p.label}: p50 ${stats.p50.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms, CPU ${stats.cpu.toFixed(1)} ms; count + first page p50 ${stats.bareP50.toFixed(1)} ms, p95 ${stats.bareP95.toFixed(1)} ms; hand-written p50 ${stats.handP50.toFixed(1)} ms, p95 ${stats.handP95.toFixed(1)} ms, CPU ${stats.handCpu.toFixed(1)} ms (${count} contacts)`);
  }

  // 2. Refresh of the 100 segments vs hand-written SQL for the same work.
  const change = (sign: 1 | -1) => db.exec(engine.sql.changeOnePercent(sign));
  const handRefresh = async (): Promise<number> => {
    let moved = 0;
    for (let i = 0; i < list.length; i++) {
      const id = ids[i]!;
      moved += await db.write(async (tx) => {
        const diff = `SELECT COALESCE(n.k, m.contact_key) AS contact_key, CASE WHEN m.contact_key IS NULL THEN 'entered' ELSE 'exited' END AS change
          FROM (SELECT id AS k FROM contacts WHERE ${list[i]!.hand}) n
          FULL JOIN (SELECT contact_key FROM segql_memberships WHERE segment_id = ${id}) m ON m.contact_key = n.k
          WHERE n.k IS NULL OR m.contact_key IS NULL`;
        for (const statement of engine.sql.diffTable(diff)) await tx.exec(statement);
        const counts = await tx.query("SELECT count(*) FILTER (WHERE change = 'entered') AS e, count(*) FILTER (WHERE change = 'exited') AS x FROM hand_diff");
        const e = Number(counts[0]!["e"]);
        const x = Number(counts[0]!["x"]);
        if (e + x > 0) {
          await tx.exec(`INSERT INTO segql_membership_changes (segment_id, contact_key, change, at_ms, segment_version) SELECT ${id}, contact_key, change, ${now}, 1 FROM hand_diff`);
          await tx.exec(`DELETE FROM segql_memberships WHERE segment_id = ${id} AND contact_key IN (SELECT contact_key FROM hand_diff WHERE change = 'exited')`);
          await tx.exec(`INSERT INTO segql_memberships SELECT ${id}, contact_key FROM hand_diff WHERE change = 'entered'`);
          await tx.exec(`UPDATE segql_segments SET member_count = member_count + ${e - x} WHERE id = ${id}`);
        }
        return e + x;
      });
    }
    return moved;
  };
  let segqlBest = Infinity;
  let handBest = Infinity;
  let segqlMoved = 0;
  let handMoved = 0;
  const ROUNDS = 3;
  for (let round = 0; round < ROUNDS * 2; round++) {
    await change(round % 2 === 0 ? 1 : -1);
    const segqlTurn = round % 4 === 0 || round % 4 === 3;
    const t = performance.now();
    if (segqlTurn) {
      const results = await store.refresh();
      segqlMoved = results.reduce((a, r) => a + r.entered + r.exited, 0);
      segqlBest = Math.min(segqlBest, performance.now() - t);
    } else {
      handMoved = await handRefresh();
      handBest = Math.min(handBest, performance.now() - t);
    }
    log(`  round ${round + 1}: ${segqlTurn ? "segql" : "hand-written"} refresh ${(performance.now() - t).toFixed(0)} ms`);
  }
  if (segqlMoved !== handMoved) throw new Error(`refresh moved ${segqlMoved} contacts, the hand-written SQL ${handMoved}`);
  log(`  refresh: segql ${segqlBest.toFixed(0)} ms, hand-written ${handBest.toFixed(0)} ms, ratio ${(segqlBest / handBest).toFixed(2)}x (${segqlMoved} membership changes)`);

  // 3. Upsert → change visible in the feed; hand-written SQL making the same writes, interleaved.
  let cursor = (await store.stats()).lastChangeSeq;
  /** 220 upserts (the first 20 not counted), each beside the hand-written peer. */
  const upsertRuns = async () => {
    const latencies: number[] = [];
    const upsertOnly: number[] = [];
    const cpus: number[] = [];
    const hand: number[] = [];
    const handCpus: number[] = [];
    let moved = 0;
    const cold: number[] = [];
    const reset = async (key: string) => {
      // Below every LTV threshold: the contact leaves the segments it is about to enter. After the
      // hand-written peer's write (an ordinary write empties the write-back cache), this is the contact's
      // first write: its row and memberships are read from the database. Timed apart, as the cold case.
      const t = performance.now();
      await store.upsertContacts([{ id: key, ltv: 1 }]);
      const ms = performance.now() - t;
      cursor = (await store.changes({ since: cursor, limit: 10_000 })).next;
      return ms;
    };
    for (let i = 0; i < 220; i++) {
      const key = `c${(i * 7919) % engine.contacts}`;
      const coldMs = await reset(key);
      if (i >= 20) cold.push(coldMs);
      let u = 0;
      const r = await timed(async () => {
        const t = performance.now();
        const result = await store.upsertContacts([{ id: key, ltv: 5000 }]);
        u = performance.now() - t;
        return { result, feed: await store.changes({ since: cursor }) };
      });
      if (!r.value.feed.items.some((c) => c.key === key)) throw new Error(`upsert of ${key}: no change in the feed`);
      cursor = r.value.feed.next;
      const changes = r.value.result.changes;
      // The same writes by hand: the segments it entered and left are known in advance, and so are the
      // memberships it keeps (read before the clock starts). Exits delete the contact's rows by key alone and
      // insert the kept ones again: DuckDB uses the contact_key index only for a lone equality.
      await reset(key);
      const before = (await db.query("SELECT segment_id FROM segql_memberships WHERE contact_key = $1", [key])).map((m) => String(m["segment_id"]));
      const h = await timed(async () => {
        await db.write(async (tx) => {
          await tx.query("UPDATE contacts SET ltv = 5000 WHERE id = $1", [key]);
          await tx.query(
            `INSERT INTO segql_membership_changes (segment_id, contact_key, change, at_ms, segment_version)
             SELECT CAST(u.s AS BIGINT), $2, u.c, CAST($3 AS BIGINT), 1 FROM (SELECT unnest(CAST($1 AS TEXT[])) AS s, unnest(CAST($4 AS TEXT[])) AS c) AS u`,
            [changes.map((c) => String(c.segmentId)), key, now, changes.map((c) => c.change)],
          );
          const entered = changes.filter((c) => c.change === "entered").map((c) => String(c.segmentId));
          const exited = changes.filter((c) => c.change === "exited").map((c) => String(c.segmentId));
          const inserted = exited.length > 0 ? [...before.filter((id) => !exited.includes(id)), ...entered] : entered;
          if (exited.length > 0) await tx.query("DELETE FROM segql_memberships WHERE contact_key = $1", [key]);
          if (inserted.length > 0) await tx.query("INSERT INTO segql_memberships SELECT CAST(unnest(CAST($1 AS TEXT[])) AS BIGINT), $2", [inserted, key]);
          const entering = engine.sql.inIds("id", "$1");
          const exiting = engine.sql.inIds("id", "$2");
          await tx.query(
            `UPDATE segql_segments SET member_count = member_count + (CASE WHEN ${entering} THEN 1 ELSE 0 END) - (CASE WHEN ${exiting} THEN 1 ELSE 0 END) WHERE ${entering} OR ${exiting}`,
            [entered, exited],
          );
        });
        return store.changes({ since: cursor });
      });
      if (h.value.items.length !== changes.length) throw new Error(`hand-written upsert of ${key}: ${h.value.items.length} changes, the store logged ${changes.length}`);
      cursor = h.value.next;
      if (i >= 20) {
        latencies.push(r.ms);
        upsertOnly.push(u);
        cpus.push(r.cpu);
        hand.push(h.ms);
        handCpus.push(h.cpu);
        moved += changes.length;
      }
    }
    return { latencies, upsertOnly, cpus, hand, handCpus, moved, cold };
  };
  const { latencies, upsertOnly, cpus, hand, handCpus, moved, cold } = await upsertRuns();
  // The same again with commits that do not wait for their WAL flush, where the engine offers it.
  const relaxed = opened.relaxCommit ? await opened.relaxCommit().then(upsertRuns) : null;
  const taken = (store as unknown as { writeBack: { taken: number } | null }).writeBack?.taken ?? null;
  const upserts = 3 * 220 * (relaxed ? 2 : 1);
  log(`  upsert → feed: p50 ${percentile(latencies, 50).toFixed(2)} ms, p95 ${percentile(latencies, 95).toFixed(2)} ms, CPU ${percentile(cpus, 50).toFixed(2)} ms; hand-written p50 ${percentile(hand, 50).toFixed(2)} ms, p95 ${percentile(hand, 95).toFixed(2)} ms`);
  if (relaxed) log(`  upsert → feed (${opened.relaxedLabel}): p50 ${percentile(relaxed.latencies, 50).toFixed(2)} ms, p95 ${percentile(relaxed.latencies, 95).toFixed(2)} ms; hand-written p50 ${percentile(relaxed.hand, 50).toFixed(2)} ms, p95 ${percentile(relaxed.hand, 95).toFixed(2)} ms`);
  const loadAfter = loadavg();

  const ok = (b: boolean) => (b ? "met" : "**not met**");
  const contactP95 = Math.max(...previews.filter((p) => p.contact).map((p) => p.bareP95));
  const contactFullP95 = Math.max(...previews.filter((p) => p.contact).map((p) => p.p95));
  // How far the store's count + first page is from the hand-written statements, at worst (p50 over p50).
  const previewOverHand = Math.max(...previews.filter((p) => p.contact).map((p) => p.bareP50 / p.handP50));
  const shares = previews.filter((p) => p.contact).map((p) => p.count / engine.contacts);
  const share = (x: number) => `${(x * 100).toFixed(0)}%`;
  const slowAsHand = previews.some((p) => p.contact && p.bareP95 >= 100) && previewOverHand < 1.1;
  const ratio = segqlBest / handBest;
  const writeBack = taken !== null;
  const cpuNote = writeBack
    ? "CPU = the process's user + system time (all threads) per operation: on a loaded machine a query waits for a core, so wall time exceeds it; on 2 idle cores wall time is about CPU / 2 for the scans."
    : "CPU = this Node process's user + system time per operation, i.e. the client's share only: the server's work (the scans, the commit) runs in PostgreSQL's own processes and is not in it.";
  const upsertNote = writeBack
    ? `Upsert: ${taken} of the ${upserts} upserts (timed, cold and the resets before the hand-written peer) took the write-back path (src/store/write-back.ts): the store re-evaluates the segments the write can affect on the contact's row and memberships held in memory, appends one record to its journal beside the DuckDB file and syncs it (fdatasync) before answering, shows the changes in the feed from memory, and applies the records to the database in one transaction per batch ${"~20"} ms later (or before any other read or write). The hand-written peer makes the same writes in a DuckDB transaction, knowing the answer in advance (no reads, no evaluation); its p50 of ${percentile(hand, 50).toFixed(1)} ms is what DuckDB's point statements and commit cost here, which is why the store does not wait for them. The cold row is a contact's first write after an ordinary write (which empties the cache): its row and memberships are read first.`
    : `Upsert: PostgreSQL has no write-back path (other processes may write to the same database, so the store holds no rows in memory): each upsert is one transaction on a pooled connection that takes the store's advisory write lock, updates the contact (UPDATE … RETURNING), reads its memberships with the catalog's signature in one query, runs the predicates of the segments reading \`ltv\` in this process, writes the change-log rows, the memberships and the member counts, and commits; the feed is then read from the database (a read-only REPEATABLE READ transaction). The hand-written peer makes the same writes in one transaction under the same lock, knowing the answer in advance (no reads, no evaluation), then the same feed read. Each commit waits for its WAL to reach the disk (synchronous_commit on), so both pay the disk's flush time.${relaxed ? ` The rows "${opened.relaxedLabel}" are the same runs after \`ALTER SYSTEM SET synchronous_commit = off\` on the throwaway server: a commit no longer waits for the flush (a crash may lose the last fraction of a second of commits, never corrupt the database); a deployment may choose it per role or database.` : ""}`;
  return [
    `${engine.contacts.toLocaleString("en-US")} contacts, ${engine.events.toLocaleString("en-US")} events, ${list.length} saved dynamic segments (30 thresholds, 30 combinations, 20 lists with relative times, 10 contact rules with \`or\`, 10 on events) ${opened.where}; the store's clock fixed at ${new Date(now).toISOString()}. Machine load (1-minute average) ${loadBefore[0]!.toFixed(1)} before, ${loadAfter[0]!.toFixed(1)} after, on ${"2"} cores shared with other work. Generating the data: ${opened.generatedIn.toFixed(1)} s; creating the 100 segments (first membership of each): ${(createMs / 1000).toFixed(1)} s.`,
    "",
    "| measure | p50 | p95 | CPU p50 | hand-written p50 / p95 / CPU | goal |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...previews.flatMap((p) => [
      `| preview ${p.label}: count + first page (${p.count.toLocaleString("en-US")} contacts) | ${p.bareP50.toFixed(1)} ms | ${p.bareP95.toFixed(1)} ms | ${p.bareCpu.toFixed(1)} ms | ${Number.isNaN(p.handP50) ? "" : `${p.handP50.toFixed(1)} / ${p.handP95.toFixed(1)} / ${p.handCpu.toFixed(1)} ms`} | ${p.contact ? `p95 < 100 ms: ${ok(p.bareP95 < 100)}` : "(events; no goal)"} |`,
      `| preview ${p.label}: with every sub-condition's count | ${p.p50.toFixed(1)} ms | ${p.p95.toFixed(1)} ms | ${p.cpu.toFixed(1)} ms | | ${p.contact ? `(p95 < 100 ms: ${p.p95 < 100 ? "yes" : "no"})` : ""} |`,
    ]),
    `| contact upsert → change in the feed (${latencies.length} runs, ${(moved / latencies.length).toFixed(0)} changes each) | ${percentile(latencies, 50).toFixed(2)} ms | ${percentile(latencies, 95).toFixed(2)} ms | ${percentile(cpus, 50).toFixed(2)} ms | ${percentile(hand, 50).toFixed(2)} / ${percentile(hand, 95).toFixed(2)} / ${percentile(handCpus, 50).toFixed(2)} ms | p95 < 5 ms: ${ok(percentile(latencies, 95) < 5)} |`,
    `| of which the upsert (${writeBack ? "re-evaluating the segments it can affect, journal synced" : "one transaction: re-evaluation and writes, commit"}) | ${percentile(upsertOnly, 50).toFixed(2)} ms | ${percentile(upsertOnly, 95).toFixed(2)} ms | | | |`,
    ...(relaxed
      ? [
          `| the same with ${opened.relaxedLabel} (${relaxed.latencies.length} runs) | ${percentile(relaxed.latencies, 50).toFixed(2)} ms | ${percentile(relaxed.latencies, 95).toFixed(2)} ms | ${percentile(relaxed.cpus, 50).toFixed(2)} ms | ${percentile(relaxed.hand, 50).toFixed(2)} / ${percentile(relaxed.hand, 95).toFixed(2)} / ${percentile(relaxed.handCpus, 50).toFixed(2)} ms | (p95 < 5 ms: ${percentile(relaxed.latencies, 95) < 5 ? "yes" : "no"}) |`,
          `| of which the upsert | ${percentile(relaxed.upsertOnly, 50).toFixed(2)} ms | ${percentile(relaxed.upsertOnly, 95).toFixed(2)} ms | | | |`,
        ]
      : []),
    ...(writeBack ? [`| a contact's first upsert after an ordinary write (row and memberships read from the database) | ${percentile(cold, 50).toFixed(2)} ms | ${percentile(cold, 95).toFixed(2)} ms | | | (no goal) |`] : []),
    "",
    `Refresh of the ${list.length} segments after 1% of the contacts changed (${segqlMoved.toLocaleString("en-US")} membership changes): segql ${segqlBest.toFixed(0)} ms, hand-written SQL for the same work ${handBest.toFixed(0)} ms: **${ratio.toFixed(2)}x** (goal ≤ 1.2x: ${ok(ratio <= 1.2)}); best of ${ROUNDS} alternating rounds each.`,
    "",
    ...previewList.map((p) => `- ${p.label}: \`${p.expression}\``),
    ...(mismatches.length > 0 ? ["", `**Counts differ** (a bug to look into): ${[...new Set(mismatches)].join("; ")}`] : []),
    "",
    `Preview = count, the count of each sub-condition (one scan, each leaf computed once) and the first 20 contacts by key; the goal names the count and the first page (\`conditionCounts: false\`: the count as one WHERE scan, then the page), which the hand-written peer also runs. The worst contact-rule p95 is ${contactP95.toFixed(1)} ms for count + first page, ${contactFullP95.toFixed(1)} ms with every sub-condition's count.${slowAsHand ? ` The goal is missed by the engine, not by the store: its count + first page is ${previewOverHand <= 1 ? "no slower" : `at most ${((previewOverHand - 1) * 100).toFixed(0)}% slower`} (p50) than the hand-written statements, whose count scans the whole contacts table as well (no index serves conditions matching ${share(Math.min(...shares))}-${share(Math.max(...shares))} of the contacts).` : ""} ${cpuNote}`,
    "",
    upsertNote,
    ...(opened.settleNote ? ["", opened.settleNote] : []),
  ].join("\n");
}
