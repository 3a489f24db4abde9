import { describe, expect, test } from "bun:test";
import { Inbox, ReadBudget } from "./inbox.ts";

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

/** An inbox over a budget of `limit` characters a 10 ms window of a clock the test moves. */
function inbox(limit: number, maxBacklog = 1000) {
  const events = loop();
  const clock = { t: 0 };
  const budget = new ReadBudget(limit, 10, () => clock.t);
  const handled: unknown[] = [];
  const overflows: number[] = [];
  const box = new Inbox({
    handle: (post) => handled.push(post),
    onOverflow: (backlog) => overflows.push(backlog),
    budget,
    turnChars: limit,
    maxBacklog,
    defer: events.defer,
  });
  return { box, budget, events, clock, handled, overflows };
}

describe("ReadBudget", () => {
  test("spends while there is room; past it, refuses until the window is over; reads the clock only then", () => {
    let reads = 0;
    const clock = { t: 0 };
    const budget = new ReadBudget(10, 10, () => {
      reads++;
      return clock.t;
    });
    expect(budget.take(6)).toBe(true);
    expect(budget.take(6)).toBe(true); // room was left: it may go past
    const first = reads;
    expect(budget.take(1)).toBe(false);
    clock.t = 9;
    expect(budget.take(1)).toBe(false);
    clock.t = 10;
    expect(budget.take(1)).toBe(true); // a new window
    expect(reads).toBe(first + 3);
  });
});

describe("Inbox", () => {
  test("handles posts at once while the budget has room, with no timer", () => {
    const { box, handled, events } = inbox(10);
    box.take("abc");
    box.take("defg");
    expect(handled).toEqual(["abc", "defg"]);
    expect(events.pending).toBe(0);
  });

  test("past the budget, posts wait for later turns, a turn's worth each (at least one post), in order", () => {
    const { box, handled, events } = inbox(4);
    box.take("aaaa");
    for (const post of ["b", "cc", "ddd", "eeeee", "f", ["gg", []]]) box.take(post);
    expect(handled).toEqual(["aaaa"]);
    expect(box.backlog).toBe(14);
    events.turn(); // b, cc, ddd: 6 ≥ 4, stop
    expect(handled).toEqual(["aaaa", "b", "cc", "ddd"]);
    events.turn(); // eeeee alone: over the turn's worth, but the first
    expect(handled).toEqual(["aaaa", "b", "cc", "ddd", "eeeee"]);
    events.turn();
    expect(handled).toEqual(["aaaa", "b", "cc", "ddd", "eeeee", "f", ["gg", []]]);
    expect(box.backlog).toBe(0);
    expect(events.pending).toBe(0);
  });

  test("a post arriving while others wait queues behind them, even once the window renews", () => {
    const { box, handled, events, clock } = inbox(4);
    box.take("aaaa");
    box.take("b");
    clock.t = 100;
    box.take("c");
    expect(handled).toEqual(["aaaa"]);
    events.turn();
    expect(handled).toEqual(["aaaa", "b", "c"]);
    box.take("d"); // nothing waits and the window renewed: at once
    expect(handled).toEqual(["aaaa", "b", "c", "d"]);
  });

  test("the budget is shared: one inbox's flood defers another's posts by a turn, not behind the flood", () => {
    const events = loop();
    const budget = new ReadBudget(4, 10, () => 0);
    const order: string[] = [];
    const make = (name: string) =>
      new Inbox({
        handle: (post) => order.push(`${name}:${post}`),
        onOverflow: () => {},
        budget,
        turnChars: 4,
        defer: events.defer,
      });
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

  test("buffers count toward the backlog, not the reading", () => {
    const { box, handled, overflows } = inbox(2, 100);
    box.take("aa");
    box.take(["b", [new ArrayBuffer(60)]]);
    expect(box.backlog).toBe(61);
    box.take(["c", [new ArrayBuffer(60)]]);
    expect(overflows).toEqual([122]);
    expect(handled).toEqual(["aa"]);
  });
});
