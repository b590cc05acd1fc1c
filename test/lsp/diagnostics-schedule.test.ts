/**
 * The diagnostics schedule on a hand-driven clock: a burst of changes during a running analysis asks for
 * one more analysis, not one per change (a burst of 300 edits once queued 300 analyses of a large file).
 */
import { describe, expect, it } from "vitest";
import { DiagnosticsSchedule, type ScheduleTimers } from "../../src/lsp/diagnostics-schedule.js";

/** A clock and timer queue moved by hand. */
function manualTimers(): ScheduleTimers & { advance(ms: number): void; runDue(): void } {
  let now = 1_000_000;
  let next = 1;
  const timers = new Map<number, { at: number; run: () => void }>();
  const runDue = () => {
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) return;
      timers.delete(due[0]);
      due[1].run();
    }
  };
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, run });
      return id;
    },
    clearTimeout: (id) => timers.delete(id as number),
    advance(ms) {
      now += ms;
      runDue();
    },
    runDue,
  };
}

/** A schedule whose publications stay running until `finish()` is called for them. */
function harness(windowMs = 50) {
  const timers = manualTimers();
  const started: string[] = [];
  const running: (() => void)[] = [];
  const schedule: DiagnosticsSchedule = new DiagnosticsSchedule(
    windowMs,
    (uri) =>
      new Promise<void>((resolve) => {
        started.push(uri);
        running.push(() => {
          schedule.published(uri, 10);
          resolve();
        });
      }),
    (e) => {
      throw e;
    },
    timers,
  );
  const finish = async () => {
    running.shift()!();
    await new Promise((r) => setImmediate(r)); // let the publication's `finally` run
  };
  return { timers, started, schedule, finish };
}

describe("the diagnostics schedule", () => {
  it("a change publishes at once; changes while that publication runs give exactly one more, within the window", async () => {
    const h = harness();
    h.schedule.schedule("a");
    h.timers.runDue();
    expect(h.started).toEqual(["a"]);
    for (let i = 0; i < 300; i++) {
      h.schedule.schedule("a");
      h.timers.advance(1);
    }
    expect(h.started).toEqual(["a"]); // still one: the first is running
    await h.finish();
    h.timers.runDue();
    expect(h.started).toEqual(["a"]); // the follow-up waits for the window after the publication
    h.timers.advance(50);
    expect(h.started).toEqual(["a", "a"]);
    await h.finish();
    h.timers.advance(1000);
    expect(h.started).toEqual(["a", "a"]); // nothing changed since: nothing more
  });

  it("documents are scheduled independently; a closed one is forgotten, also when it changed during its run", async () => {
    const h = harness();
    h.schedule.schedule("a");
    h.schedule.schedule("b");
    h.timers.runDue();
    expect(h.started).toEqual(["a", "b"]);
    h.schedule.schedule("a");
    h.schedule.cancel("a");
    await h.finish();
    await h.finish();
    h.timers.advance(1000);
    expect(h.started).toEqual(["a", "b"]);
  });

  it("`soon` (a config changed) during a run publishes right after it, without waiting for the window", async () => {
    const h = harness();
    h.schedule.schedule("a");
    h.timers.runDue();
    h.schedule.schedule("a");
    h.schedule.schedule("a", true);
    await h.finish();
    h.timers.runDue();
    expect(h.started).toEqual(["a", "a"]);
  });
});
