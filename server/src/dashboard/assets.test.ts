import { expect, test } from "bun:test";
import { silentLogger } from "../util/log.ts";
import { assetRoutes } from "./assets.ts";

const routes = assetRoutes(silentLogger);

test("a name that is an Object.prototype member is 404 like any unknown name, never a 500", async () => {
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "no-such.js"]) {
    const res = await routes.fetch(new Request(`http://h/${name}`));
    expect({ name, status: res.status }).toEqual({ name, status: 404 });
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  }
});

test("a known asset is served with its type", async () => {
  const res = await routes.fetch(new Request("http://h/dashboard.css"));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
});
