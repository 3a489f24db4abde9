import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { EnvError, loadEnv } from "./constants.ts";

/** The environment schema's rules, one test each (the child-process exit 2 is in test/server-process.test.ts). */
describe("loadEnv", () => {
  test("fills every default", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 8000,
      HOST: "0.0.0.0",
      POOL_SIZE: 100,
      MAX_BODY_SIZE: 10 * 1024 ** 2,
      SHUTDOWN_TIMEOUT: 10,
      HTTP_IDLE_TIMEOUT: 75,
      LOG_LEVEL: "info",
    });
  });

  test.each(["trace", "debug", "info", "warn", "error", "fatal", "silent"])("LOG_LEVEL=%s is taken", (level) => {
    expect(loadEnv({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
  });

  test.each(["loud", "INFO", "warning", "0"])("LOG_LEVEL=%s is refused, naming the variable", (level) => {
    expect(() => loadEnv({ LOG_LEVEL: level })).toThrow(EnvError);
    expect(() => loadEnv({ LOG_LEVEL: level })).toThrow(/LOG_LEVEL/);
  });

  test("an empty LOG_LEVEL counts as unset", () => {
    expect(loadEnv({ LOG_LEVEL: "" }).LOG_LEVEL).toBe("info");
  });

  test.each(["1", "255"])("HTTP_IDLE_TIMEOUT=%s is taken", (seconds) => {
    expect(loadEnv({ HTTP_IDLE_TIMEOUT: seconds }).HTTP_IDLE_TIMEOUT).toBe(Number(seconds));
  });

  // 0 would mean never: an idle connection must always be closed. Bun's limit is 255.
  test.each(["0", "256", "1.5", "-1"])("HTTP_IDLE_TIMEOUT=%s is refused, naming the variable", (seconds) => {
    expect(() => loadEnv({ HTTP_IDLE_TIMEOUT: seconds })).toThrow(/HTTP_IDLE_TIMEOUT/);
  });

  test("every invalid variable is named at once", () => {
    expect(() => loadEnv({ PORT: "abc", LOG_LEVEL: "loud" })).toThrow(/PORT.*LOG_LEVEL|LOG_LEVEL.*PORT/);
  });
});

describe("BUNTIME_PROCESSES", () => {
  test("defaults to 1", () => {
    expect(loadEnv({}).BUNTIME_PROCESSES).toBe(1);
  });

  test("auto is one per core", () => {
    expect(loadEnv({ BUNTIME_PROCESSES: "auto" }).BUNTIME_PROCESSES).toBe(availableParallelism());
  });

  test.each(["1", "4", "256"])("%s is taken", (count) => {
    expect(loadEnv({ BUNTIME_PROCESSES: count }).BUNTIME_PROCESSES).toBe(Number(count));
  });

  test.each(["0", "257", "2.5", "many", "AUTO"])("%s is refused, naming the variable", (count) => {
    expect(() => loadEnv({ BUNTIME_PROCESSES: count })).toThrow(/BUNTIME_PROCESSES/);
  });
});

describe("DASHBOARD_HOST", () => {
  test("unset by default", () => {
    expect(loadEnv({}).DASHBOARD_HOST).toBeUndefined();
  });

  test.each([
    ["admin.example.com", "admin.example.com"],
    ["Admin.Example.COM:8443", "admin.example.com:8443"],
    ["admin.example.com:80", "admin.example.com"],
    ["admin.example.com:443", "admin.example.com"],
    ["admin.example.com.", "admin.example.com"],
    ["127.0.0.1:9000", "127.0.0.1:9000"],
    ["[::1]:9000", "[::1]:9000"],
  ])("%s is taken as %s (as a URL's host)", (value, host) => {
    expect(loadEnv({ DASHBOARD_HOST: value }).DASHBOARD_HOST).toBe(host);
  });

  test.each(["https://admin.example.com", "admin.example.com/_/", "user@admin", "a b", "admin:99999", "a?b"])(
    "%s is refused, naming the variable",
    (value) => {
      expect(() => loadEnv({ DASHBOARD_HOST: value })).toThrow(/DASHBOARD_HOST/);
    },
  );
});
