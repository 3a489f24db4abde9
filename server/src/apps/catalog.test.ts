import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, silentLogger } from "../util/log.ts";
import { AppCatalog, RESOLUTIONS_KEPT } from "./catalog.ts";

const root = mkdtempSync(join(tmpdir(), "catalog-"));
for (const version of ["1.0.0", "1.2.0", "2.0.0"]) mkdirSync(join(root, "hello", version), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("AppCatalog.resolve's cache", () => {
  test("100,000 distinct hostile ranges leave it at its bound, and a hot range stays cached", () => {
    const catalog = new AppCatalog(root, { logger: silentLogger });
    const hot = catalog.resolve("hello", "1");
    const filler = "x".repeat(1024);
    for (let n = 0; n < 100_000; n++) {
      // What `/hello@1.0.0-<1 KB><n>/` asks: too long to be a range, refused and not cached.
      expect(catalog.resolve("hello", `1.0.0-${filler}${n}`)).toEqual({ ok: false, code: "INVALID_VERSION" });
      if (n % 1000 === 0) {
        expect(catalog.resolve("hello", "1")).toBe(hot as never);
        expect(catalog.resolutionsHeld).toBeLessThanOrEqual(RESOLUTIONS_KEPT);
      }
    }
    expect(catalog.resolutionsHeld).toBeLessThanOrEqual(RESOLUTIONS_KEPT);
    // Still a cache: the same range answers the same (cached) object.
    expect(catalog.resolve("hello", "1")).toBe(hot as never);
    expect(hot).toEqual({ ok: true, version: "1.2.0" });
  });

  test("100,000 distinct short ranges (cacheable ones) keep it at its bound, least recently used out", () => {
    const catalog = new AppCatalog(root, { logger: silentLogger });
    const hot = catalog.resolve("hello", "^1");
    for (let n = 0; n < 100_000; n++) {
      catalog.resolve("hello", `1.0.0-x${n}`);
      if (n % 100 === 0) {
        expect(catalog.resolve("hello", "^1")).toBe(hot as never);
        expect(catalog.resolutionsHeld).toBeLessThanOrEqual(RESOLUTIONS_KEPT);
      }
    }
    expect(catalog.resolutionsHeld).toBeLessThanOrEqual(RESOLUTIONS_KEPT);
    expect(catalog.resolutionsHeld).toBeGreaterThanOrEqual(RESOLUTIONS_KEPT / 2);
    // The hot range, used all along, survived; the first hostile ones did not.
    expect(catalog.resolve("hello", "^1")).toBe(hot as never);
  });

  test("unknown app names are not cached at all", () => {
    const catalog = new AppCatalog(root, { logger: silentLogger });
    for (let n = 0; n < 10_000; n++) expect(catalog.resolve(`nope${n}`, "1")).toBeUndefined();
    expect(catalog.resolutionsHeld).toBe(0);
  });
});

describe("AppCatalog's warnings about what it ignores", () => {
  test("each wrong path is warned once while it stays, and forgotten once it goes (bounded by the disk)", () => {
    const dir = mkdtempSync(join(tmpdir(), "catalog-warn-"));
    try {
      const warnings: string[] = [];
      const logger: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
      const names = Array.from({ length: 50 }, (_, n) => `Bad_${n}`);
      for (const name of names) writeFileSync(join(dir, name), "");
      const catalog = new AppCatalog(dir, { logger });
      expect(warnings).toHaveLength(50);
      catalog.refresh();
      expect(warnings).toHaveLength(50); // still there: not warned again
      for (const name of names) rmSync(join(dir, name));
      catalog.refresh();
      writeFileSync(join(dir, "Bad_0"), "");
      catalog.refresh();
      // Forgotten when it went, so warned again when it came back.
      expect(warnings).toHaveLength(51);
      expect(warnings.at(-1)).toBe('ignoring "Bad_0" in APPS_DIR: not a valid app name');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
