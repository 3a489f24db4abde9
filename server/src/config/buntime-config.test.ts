import { describe, expect, test } from "bun:test";
import { ConfigError, normaliseConfig, substituteEnv } from "./buntime-config.ts";

describe("buntime.jsonc", () => {
  test("normalises string and tuple entries and marks required ones", () => {
    const config = normaliseConfig(
      { required: ["@buntime/metrics"], plugins: ["@buntime/metrics", ["./audit.ts", { level: "info" }]] },
      "/cfg",
    );
    expect(config).toEqual({
      baseDir: "/cfg",
      plugins: [
        { specifier: "@buntime/metrics", options: {}, required: true },
        { specifier: "./audit.ts", options: { level: "info" }, required: false },
      ],
    });
  });

  test.each([
    [{ plugins: "x" }, "plugins"],
    [{ plugins: [["x", "not-an-object"]] }, "plugins.0"],
    [{ required: [1] }, "required.0"],
    [{ plugin: [] }, "plugin"],
    [{ required: ["missing"], plugins: [] }, 'required: "missing"'],
  ])("%j is refused naming %s", (raw, field) => {
    expect(() => normaliseConfig(raw, "/")).toThrow(field);
  });
});

test("authn and authz are required whenever they are listed: they never fail open", () => {
  const config = normaliseConfig({ plugins: ["@buntime/authn", ["@buntime/authz", {}], "@buntime/metrics"] }, "/");
  expect(config.plugins.map((p) => p.required)).toEqual([true, true, false]);
});

describe("${VAR} substitution", () => {
  test("replaces variables deeply, in strings only", () => {
    expect(
      substituteEnv(
        { issuer: "${ISS}/realms/${REALM}", n: 1, list: ["${REALM}"] },
        { ISS: "http://x", REALM: "r" },
        "p",
      ),
    ).toEqual({ issuer: "http://x/realms/r", n: 1, list: ["r"] });
  });
  test("a missing variable is named, with where it was used", () => {
    expect(() => substituteEnv({ issuer: "${NOPE}" }, {}, "@buntime/authn")).toThrow(
      new ConfigError("@buntime/authn.issuer: environment variable NOPE is not set"),
    );
  });
});
