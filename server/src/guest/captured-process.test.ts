import { describe, expect, test } from "bun:test";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { capturedProcess } from "./captured-process.ts";

/** The test process seen through the stand-in (not installed as the global), and what its streams received. */
function setup<P extends NodeJS.Process>(real: P) {
  const writes: [fd: number, text: string][] = [];
  const proxied = capturedProcess(real, (fd, chunk) => {
    writes.push([fd, typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)]);
  });
  return { proxied, writes };
}

/** A process-shaped plain object, for what must not be done to the test runner's own streams. */
function fakeProcess() {
  return { stdout: "real stdout", stderr: "real stderr", pid: 7 } as unknown as NodeJS.Process;
}

describe("the captured streams", () => {
  test("each write reaches the capture as it was written, stdout as fd 1, stderr as fd 2; callbacks are called", async () => {
    const { proxied, writes } = setup(process);
    const called: string[] = [];
    expect(proxied.stdout.write("out\n", () => called.push("out"))).toBe(true);
    expect(proxied.stderr.write(new TextEncoder().encode("err bytes"), () => called.push("err"))).toBe(true);
    proxied.stdout.write("6869", "hex");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(writes).toEqual([
      [1, "out\n"],
      [2, "err bytes"],
      [1, "hi"],
    ]);
    expect(called).toEqual(["out", "err"]);
  });

  test("made once, on first read: the same object each time, fd 1 and 2, not a TTY", () => {
    const { proxied } = setup(process);
    expect(proxied.stdout).toBe(proxied.stdout);
    expect(proxied.stdout).not.toBe(process.stdout);
    expect([proxied.stdout.fd, proxied.stdout.isTTY, proxied.stderr.fd, proxied.stderr.isTTY]).toEqual([
      1,
      false,
      2,
      false,
    ]);
    expect("stdout" in proxied).toBe(true);
  });

  test("a stream piped into stdout: each chunk a write", async () => {
    const { proxied, writes } = setup(process);
    await pipeline(Readable.from(["a\n", "b\n"]), proxied.stdout);
    expect(writes).toEqual([
      [1, "a\n"],
      [1, "b\n"],
    ]);
  });
});

describe("everything else is the real process's", () => {
  test("event methods register on the real process; the same function on every read", () => {
    const { proxied } = setup(process);
    let heard = 0;
    const listener = () => heard++;
    const before = process.listenerCount("buntime-test");
    proxied.on("buntime-test", listener);
    expect(process.listenerCount("buntime-test")).toBe(before + 1);
    process.emit("buntime-test" as "exit", 0);
    proxied.emit("buntime-test" as "exit", 0);
    expect(heard).toBe(2);
    proxied.off("buntime-test", listener);
    proxied.once("buntime-test", listener);
    process.emit("buntime-test" as "exit", 0);
    process.emit("buntime-test" as "exit", 0);
    expect(heard).toBe(3);
    expect(process.listenerCount("buntime-test")).toBe(before);
    expect(proxied.on).toBe(proxied.on);
    expect(proxied.on("buntime-test", listener)).toBe(process);
    proxied.removeListener("buntime-test", listener);
    expect(process.listenerCount("buntime-test")).toBe(before);
  });

  test("methods, their own properties and plain values work as on the process", async () => {
    const { proxied } = setup(process);
    expect(proxied.pid).toBe(process.pid);
    expect(proxied.env).toBe(process.env);
    expect(proxied.cwd()).toBe(process.cwd());
    expect(proxied.memoryUsage().rss).toBeGreaterThan(0);
    expect(proxied.memoryUsage.rss()).toBeGreaterThan(0);
    expect(proxied.hrtime()).toHaveLength(2);
    expect(typeof proxied.hrtime.bigint()).toBe("bigint");
    expect(proxied.hrtime).toBe(proxied.hrtime);
    const { nextTick } = proxied;
    await new Promise<void>((resolve) => nextTick(resolve));
    await new Promise<void>((resolve) => proxied.nextTick(resolve));
    expect(Object.prototype.toString.call(proxied)).toBe(Object.prototype.toString.call(process));
  });

  test("Bun's functions are bound to the real process, named as theirs; a function the app put there is its own", () => {
    const { proxied } = setup(process);
    const emit = proxied.emit;
    expect(emit("buntime-unheard" as "exit", 0)).toBe(false);
    expect([proxied.on.name, proxied.on.length]).toEqual([process.on.name, process.on.length]);
    const mine = function (this: unknown) {
      return this;
    };
    const bag = proxied as unknown as Record<string, typeof mine>;
    bag.buntimeTestMethod = mine;
    try {
      expect(bag.buntimeTestMethod).toBe(mine);
      expect(bag.buntimeTestMethod?.()).toBe(proxied);
    } finally {
      delete bag.buntimeTestMethod;
    }
  });

  test("setters and new properties reach the real process (exitCode)", () => {
    const { proxied } = setup(process);
    const before = process.exitCode;
    try {
      proxied.exitCode = 3;
      expect(process.exitCode).toBe(3);
      expect(proxied.exitCode).toBe(3);
    } finally {
      // Not `before` as it is: Bun ignores `exitCode = undefined`, and bun test would exit 3.
      process.exitCode = before ?? 0;
    }
    (proxied as unknown as Record<string, unknown>).buntimeTestProperty = 1;
    try {
      expect((process as unknown as Record<string, unknown>).buntimeTestProperty).toBe(1);
    } finally {
      delete (process as unknown as Record<string, unknown>).buntimeTestProperty;
    }
  });

  test("stdout/stderr taken over by the app (assigned, defined, deleted) are the real object's from then on", () => {
    const real = fakeProcess();
    const { proxied } = setup(real);
    const captured = proxied.stdout;
    expect(Object.getOwnPropertyDescriptor(proxied, "stdout")?.value).toBe(captured);
    (proxied as unknown as Record<string, unknown>).stdout = "mine";
    expect([real.stdout, proxied.stdout] as unknown[]).toEqual(["mine", "mine"]);
    Object.defineProperty(proxied, "stderr", { get: () => "defined", configurable: true });
    expect(proxied.stderr as unknown).toBe("defined");
    delete (proxied as unknown as Record<string, unknown>).stderr;
    expect(proxied.stderr).toBeUndefined();
    expect("stderr" in proxied).toBe(false);
  });
});
