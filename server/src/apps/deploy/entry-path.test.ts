import { describe, expect, test } from "bun:test";
import { entrySegments, isIgnoredEntry } from "./entry-path.ts";
import { DeployError } from "./errors.ts";

function refusal(name: string): DeployError {
  try {
    entrySegments(name);
  } catch (error) {
    if (error instanceof DeployError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(name)} was accepted`);
}

describe("entrySegments", () => {
  test("splits a relative path, dropping '.' and empty segments", () => {
    expect(entrySegments("app/src/index.ts")).toEqual(["app", "src", "index.ts"]);
    expect(entrySegments("./a//b/./c")).toEqual(["a", "b", "c"]);
    expect(entrySegments("dir/")).toEqual(["dir"]);
  });

  test("the archive root is no segments", () => {
    expect(entrySegments("./")).toEqual([]);
    expect(entrySegments(".")).toEqual([]);
  });

  test("names that merely start with dots are fine", () => {
    expect(entrySegments("..foo/.env")).toEqual(["..foo", ".env"]);
  });

  test("refuses a '..' segment anywhere", () => {
    expect(refusal("../x").code).toBe("UNSAFE_PATH");
    expect(refusal("a/../../x").code).toBe("UNSAFE_PATH");
    expect(refusal("a/..").code).toBe("UNSAFE_PATH");
  });

  test("refuses an absolute path", () => {
    expect(refusal("/etc/x").code).toBe("UNSAFE_PATH");
  });

  test("refuses a drive letter", () => {
    expect(refusal("C:/x").code).toBe("UNSAFE_PATH");
    expect(refusal("c:x").code).toBe("UNSAFE_PATH");
  });

  test("refuses a backslash", () => {
    expect(refusal("..\\x").code).toBe("UNSAFE_PATH");
    expect(refusal("a\\b").code).toBe("UNSAFE_PATH");
  });

  test("refuses a NUL byte", () => {
    expect(refusal("a\0/../b").code).toBe("UNSAFE_PATH");
  });

  test("refuses a control character anywhere: C0, DEL and C1", () => {
    for (const name of ["evil\nname.ts", "a/b\r", "\x1b[31mred", "tab\there", "del\x7f", "c1\x85next", "csi\x9b2J"]) {
      expect(refusal(name).code).toBe("UNSAFE_PATH");
    }
  });

  test("keeps printable non-ASCII names", () => {
    expect(entrySegments("café/ünïcode-日本.ts")).toEqual(["café", "ünïcode-日本.ts"]);
    expect(entrySegments("nbsp\u00a0name")).toEqual(["nbsp\u00a0name"]);
  });

  test("a refused name's controls are escaped in the message", () => {
    const message = refusal("a\nb\x7fc\x9bd").message;
    expect(message).toContain('"a\\nb\\u007fc\\u009bd"');
    expect(message).not.toMatch(/\p{Cc}/u);
  });

  test("the message names the entry", () => {
    expect(refusal("a/../../x").message).toContain('"a/../../x"');
  });
});

describe("isIgnoredEntry", () => {
  test("ignores the root and macOS resource forks, nothing else", () => {
    expect(isIgnoredEntry([])).toBe(true);
    expect(isIgnoredEntry(["__MACOSX", "app", "._index.ts"])).toBe(true);
    expect(isIgnoredEntry(["app", "__MACOSX"])).toBe(false);
    expect(isIgnoredEntry(["index.ts"])).toBe(false);
  });
});
