import { describe, expect, test } from "bun:test";
import { RequestAborts } from "./request-signal.ts";

function request(aborts: RequestAborts, id: number): Request {
  return aborts.request(id, "http://app.test/", { method: "GET", headers: { "x-test": "1" } });
}

describe("RequestAborts", () => {
  test("a signal read before the abort fires with the host's reason", () => {
    const aborts = new RequestAborts();
    const r = request(aborts, 1);
    const signal = r.signal;
    let fired = 0;
    signal.addEventListener("abort", () => fired++);
    expect(signal.aborted).toBe(false);
    aborts.abort(1, "client closed the connection");
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("client closed the connection");
    aborts.abort(1, "again");
    expect(fired).toBe(1);
    expect(r.signal).toBe(signal);
  });

  test("a signal first read after the abort is already aborted", () => {
    const aborts = new RequestAborts();
    const r = request(aborts, 2);
    aborts.abort(2, "gone");
    expect(r.signal.aborted).toBe(true);
    expect((r.signal.reason as Error).message).toBe("gone");
  });

  test("each request has its own signal; an ended request's abort changes nothing", () => {
    const aborts = new RequestAborts();
    const a = request(aborts, 3);
    const b = request(aborts, 4);
    aborts.delete(3);
    aborts.abort(3, "late");
    aborts.abort(4, "gone");
    expect(a.signal.aborted).toBe(false);
    expect(b.signal.aborted).toBe(true);
    expect(a.signal).not.toBe(b.signal);
    expect(aborts.size).toBe(1);
  });

  test("a Request like any other: its URL, method, headers; a clone; the signal an AbortSignal", async () => {
    const aborts = new RequestAborts();
    const r = request(aborts, 5);
    expect(r).toBeInstanceOf(Request);
    expect([r.url, r.method, r.headers.get("x-test")]).toEqual(["http://app.test/", "GET", "1"]);
    expect(r.clone().url).toBe("http://app.test/");
    expect(r.clone().signal).toBeInstanceOf(AbortSignal);
    expect(r.signal).toBeInstanceOf(AbortSignal);
    const waiting = new Promise((_, reject) => r.signal.addEventListener("abort", () => reject(r.signal.reason)));
    aborts.abort(5, "client gone");
    await expect(waiting).rejects.toThrow("client gone");
  });
});
