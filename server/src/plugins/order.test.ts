import { expect, test } from "bun:test";
import { orderPlugins } from "./order.ts";

const names = (list: { name: string }[]) => list.map((p) => p.name);

test("lower priority runs first; ties keep config order", () => {
  expect(
    names(orderPlugins([{ name: "c", priority: 50 }, { name: "a" }, { name: "b", priority: 10 }, { name: "d" }])),
  ).toEqual(["b", "c", "a", "d"]);
});

test("a plugin runs after its dependencies whatever their priority", () => {
  expect(
    names(
      orderPlugins([
        { name: "authz", priority: 1, dependencies: ["authn"] },
        { name: "authn", priority: 50 },
        { name: "metrics", priority: 0 },
      ]),
    ),
  ).toEqual(["metrics", "authn", "authz"]);
});

test("a missing dependency is named", () => {
  expect(() => orderPlugins([{ name: "authz", dependencies: ["authn"] }])).toThrow(
    'plugin "authz" depends on "authn", which is not loaded',
  );
});

test("a cycle names its plugins", () => {
  expect(() =>
    orderPlugins([{ name: "a", dependencies: ["b"] }, { name: "b", dependencies: ["a"] }, { name: "c" }]),
  ).toThrow("plugin dependency cycle among: a, b");
});
