import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type AppRuntime, createAppRuntime, reachableByOthers } from "./app-runtime.ts";

const made: string[] = [];
let runtime: AppRuntime | undefined;
afterEach(() => {
  runtime?.close();
  runtime = undefined;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
/** A fresh folder of `mode` in the temp folder. */
const temp = (mode: number): string => {
  const dir = mkdtempSync(join(tmpdir(), "app-runtime-"));
  chmodSync(dir, mode);
  made.push(dir);
  return dir;
};

describe("reachableByOthers", () => {
  test("needs the bits on the file and o+x on every folder above it", () => {
    const open = temp(0o755);
    const file = join(open, "f");
    writeFileSync(file, "");
    chmodSync(file, 0o644);
    expect([reachableByOthers(file, 0o004), reachableByOthers(file, 0o005)]).toEqual([true, false]);
    mkdirSync(join(open, "closed"), { mode: 0o700 });
    writeFileSync(join(open, "closed", "g"), "", { mode: 0o644 });
    expect(reachableByOthers(join(open, "closed", "g"), 0o004)).toBe(false);
  });
});

describe.if(process.getuid?.() === 0)("createAppRuntime, as root", () => {
  test("bundles a module from a closed folder, with what it imports, into one file nobody can run", () => {
    const closed = temp(0o700);
    writeFileSync(join(closed, "answer.ts"), "export const answer: number = 42;\n");
    writeFileSync(join(closed, "main.ts"), 'import { answer } from "./answer.ts";\nconsole.log(answer);\n');
    runtime = createAppRuntime(temp(0o711));
    const bundle = runtime.module(join(closed, "main.ts"));
    expect(runtime.module(join(closed, "main.ts"))).toBe(bundle); // built once
    expect([statSync(bundle).mode & 0o777, statSync(dirname(bundle)).mode & 0o777]).toEqual([0o644, 0o755]);
    const run = Bun.spawnSync([runtime.bun(), bundle], { uid: 65534, gid: 65534, env: {}, stderr: "pipe" });
    expect({ out: run.stdout.toString(), err: run.stderr.toString() }).toEqual({ out: "42\n", err: "" });
  });

  test("a module that does not build throws, naming it", () => {
    const closed = temp(0o700);
    writeFileSync(join(closed, "broken.ts"), 'import "./missing.ts";\n');
    runtime = createAppRuntime(temp(0o711));
    expect(() => runtime?.module(join(closed, "broken.ts"))).toThrow(/could not bundle .*broken\.ts/);
  });

  test("removes folders of servers no longer running at first use, keeps a running one's; close removes its own", () => {
    const parent = temp(0o711);
    const gone = Bun.spawnSync(["true"]).pid;
    for (const pid of [gone, 1]) mkdirSync(join(parent, `buntime-runtime-${pid}`));
    writeFileSync(join(parent, "main.ts"), "export {};\n");
    runtime = createAppRuntime(parent);
    const own = dirname(runtime.module(join(parent, "main.ts")));
    expect(own).toBe(join(parent, `buntime-runtime-${process.pid}`));
    expect([gone, 1].map((pid) => existsSync(join(parent, `buntime-runtime-${pid}`)))).toEqual([false, true]);
    runtime.close();
    expect(existsSync(own)).toBe(false);
  });

  test("refuses a parent the app user cannot enter", () => {
    const closed = temp(0o700);
    writeFileSync(join(closed, "main.ts"), "export {};\n");
    runtime = createAppRuntime(closed);
    expect(() => runtime?.module(join(closed, "main.ts"))).toThrow(/not reachable by the app user/);
  });
});
