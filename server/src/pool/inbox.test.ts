import { describe, expect, test } from "bun:test";
import { Inbox, TurnBudget } from "./inbox.ts";

/** Turns of the event loop, run by hand: `defer`red tasks wait for `turn()`. */
function loop() {
  let tasks: (() => void)[] = [];
  return {
    defer: (task: () => void) => void tasks.push(task),
    turn() {
      const now = tasks;
      tasks = [];
      for (const task of now) task();
    },
    get pending() {
      return tasks.length;
    },
  };
}

function inbox(limit: number, maxBacklog = 1000) {
  const events = loop();
  const budget = new TurnBudget(limit, events.defer);
  const handled: unknown[] = [];
  const overflows: number[] = [];
  const box = new Inbox({
    handle: (post) => handled.push(post),
    onOverflow: (backlog) => overflows.push(backlog),
    budget,
    maxBacklog,
    defer: events.defer,
  });
  return { box, budget, events, handled, overflows };
}

describe("Inbox", () => {
  test("handles posts at once while the turn's budget lasts", () => {
    const { box, handled, events } = inbox(10);
    box.take("abc");
    box.take("defg");
    expect(handled).toEqual(["abc", "defg"]);
    expect(events.pending).toBe(1); // the budget's reset only
  });

  test("past the budget, posts wait for later turns, at least one a turn, in order", () => {
    const { box, handled, events } = inbox(10);
    box.take("0123456789ab"); // over the budget by itself: still handled, it is the turn's first
    box.take("x");
    box.take("yy");
    box.take(["zzz", []]);
    expect(handled).toEqual(["0123456789ab"]);
    expect(box.backlog).toBe(6);
    events.turn(); // the budget is reset and the inbox drains what fits
    expect(handled).toEqual(["0123456789ab", "x", "yy", ["zzz", []]]);
    expect(box.backlog).toBe(0);
  });

  test("a turn reads until the budget is spent, then leaves the rest", () => {
    const { box, handled, events } = inbox(4);
    box.take("aaaa");
    for (const post of ["b", "cc", "ddd", "eeee", "f"]) box.take(post);
    expect(handled).toEqual(["aaaa"]);
    events.turn(); // reset first, then the drain: b, cc, ddd (6 ≥ 4: stop)
    expect(handled).toEqual(["aaaa", "b", "cc", "ddd"]);
    events.turn();
    expect(handled).toEqual(["aaaa", "b", "cc", "ddd", "eeee"]);
    events.turn();
    expect(handled).toEqual(["aaaa", "b", "cc", "ddd", "eeee", "f"]);
    expect(events.pending).toBe(1); // the last budget reset; the inbox is done
    events.turn();
    expect(events.pending).toBe(0);
  });

  test("a post arriving while others wait queues behind them, even with budget left", () => {
    const { box, handled, events, budget } = inbox(4);
    box.take("aaaa");
    box.take("b");
    events.turn();
    expect(handled).toEqual(["aaaa", "b"]);
    expect(budget.exhausted).toBe(false);
    box.take("c"); // nothing waits now: at once
    expect(handled).toEqual(["aaaa", "b", "c"]);
  });

  test("the budget is shared: one inbox's flood defers another's posts by a turn, not behind the flood", () => {
    const events = loop();
    const budget = new TurnBudget(4, events.defer);
    const order: string[] = [];
    const make = (name: string) =>
      new Inbox({ handle: (post) => order.push(`${name}:${post}`), onOverflow: () => {}, budget, defer: events.defer });
    const flood = make("flood");
    const quiet = make("quiet");
    for (let i = 0; i < 6; i++) flood.take(`${i}xxx`);
    quiet.take("hi");
    expect(order).toEqual(["flood:0xxx"]);
    events.turn();
    expect(order).toEqual(["flood:0xxx", "flood:1xxx", "quiet:hi"]);
  });

  test("after() runs once the posts before it were handled, in order", () => {
    const { box, handled, events } = inbox(2);
    const ran: number[] = [];
    box.after(() => ran.push(handled.length)); // nothing waits: at once
    expect(ran).toEqual([0]);
    box.take("aa");
    box.take("bb");
    box.after(() => ran.push(handled.length));
    box.take("cc");
    expect(ran).toEqual([0]);
    events.turn();
    expect(ran).toEqual([0, 2]);
    expect(handled).toEqual(["aa", "bb"]);
    events.turn();
    expect(handled).toEqual(["aa", "bb", "cc"]);
  });

  test("a backlog past the bound is dropped, told once, and later posts are refused; after() still runs", () => {
    const { box, handled, events, overflows } = inbox(2, 10);
    box.take("aa");
    box.take("bbbb");
    box.after(() => handled.push("closed"));
    box.take("cccc");
    box.take("ddd"); // 4 + 4 + 3 = 11 > 10
    expect(overflows).toEqual([11]);
    expect(box.backlog).toBe(0);
    box.take("e");
    box.after(() => handled.push("after"));
    events.turn();
    events.turn();
    expect(handled).toEqual(["aa", "closed", "after"]);
    expect(overflows).toEqual([11]);
  });

  test("buffers count toward the backlog, not the turn's reading", () => {
    const { box, handled, overflows } = inbox(2, 100);
    box.take("aa");
    box.take(["b", [new ArrayBuffer(60)]]);
    expect(box.backlog).toBe(61);
    box.take(["c", [new ArrayBuffer(60)]]);
    expect(overflows).toEqual([122]);
    expect(handled).toEqual(["aa"]);
  });
});
