import { describe, expect, test } from "bun:test";
import { generateKey, hashSecret, KEY_PREFIX, parseExpires, sameHash } from "./key-format.ts";

const NOW = Date.parse("2026-01-01T00:00:00.000Z");

describe("parseExpires: what `expires` takes (docs/admin.md)", () => {
  test("a duration <n>s|m|h|d is that long after now, to the millisecond", () => {
    const table: [string, string][] = [
      ["90s", "2026-01-01T00:01:30.000Z"],
      ["15m", "2026-01-01T00:15:00.000Z"],
      ["12h", "2026-01-01T12:00:00.000Z"],
      ["30d", "2026-01-31T00:00:00.000Z"],
      ["0s", "2026-01-01T00:00:00.000Z"],
    ];
    for (const [value, iso] of table) expect({ value, got: parseExpires(value, NOW) }).toEqual({ value, got: iso });
  });

  test("an ISO 8601 time with a zone is taken as that instant (an offset is applied)", () => {
    expect(parseExpires("2030-01-01T00:00:00Z", NOW)).toBe("2030-01-01T00:00:00.000Z");
    expect(parseExpires("2030-01-01T02:00:00+02:00", NOW)).toBe("2030-01-01T00:00:00.000Z");
    expect(parseExpires("2030-01-01T00:00:00.250-05:30", NOW)).toBe("2030-01-01T05:30:00.250Z");
  });

  test("an ISO time already past is an Error (a key expired before it was made)", () => {
    const past = parseExpires("2020-01-01T00:00:00Z", NOW);
    expect(past).toBeInstanceOf(Error);
    expect((past as Error).message).toContain("is in the past");
    expect(parseExpires(new Date(NOW).toISOString(), NOW)).toBeInstanceOf(Error);
  });

  test("null or absent means never", () => {
    expect(parseExpires(null, NOW)).toBeNull();
    expect(parseExpires(undefined, NOW)).toBeNull();
  });

  test("anything else is an Error naming the value, not a guess", () => {
    // A date without a time or zone, a month, day or hour that does not exist, a bare number, prose that
    // Date.parse would take, an unknown unit, a unit without a number, a negative or fractional
    // duration, a blank.
    for (const value of [
      "2030-01-01",
      "2030-01-01T00:00:00",
      "2030-13-01T00:00:00Z",
      "2030-02-30T00:00:00Z", // Date.parse rolls it over to March 2
      "2031-02-29T00:00:00Z",
      "2030-01-01T25:00:00Z",
      "1",
      "May 5",
      "30w",
      "d",
      "-5d",
      "1.5h",
      " 30d",
      "",
    ]) {
      const got = parseExpires(value, NOW);
      expect({ value, error: got instanceof Error }).toEqual({ value, error: true });
      expect((got as Error).message).toContain(`"${value}"`);
    }
  });

  test("a duration past the last date a Date holds is an Error, not a throw", () => {
    const got = parseExpires("999999999d", NOW);
    expect(got).toBeInstanceOf(Error);
    expect((got as Error).message).toContain("999999999d");
  });
});

describe("keys and their hashes", () => {
  test("a key is the prefix and 32 random bytes, base64url; two are never alike", () => {
    const key = generateKey();
    expect(key).toStartWith(KEY_PREFIX);
    expect(Buffer.from(key.slice(KEY_PREFIX.length), "base64url")).toHaveLength(32);
    expect(generateKey()).not.toBe(key);
  });

  test("what is stored is the sha256 of the key, hex, and it is compared by value", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sameHash(hashSecret("abc"), hashSecret("abc"))).toBe(true);
    expect(sameHash(hashSecret("abc"), hashSecret("abd"))).toBe(false);
  });
});
