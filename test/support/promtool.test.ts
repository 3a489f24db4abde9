/**
 * obtainPromtool's choices, with stand-ins for apt-get and dpkg-deb on a PATH that holds nothing
 * else (no network, no real promtool). The real download was checked by hand as an unprivileged
 * user with PATH lacking promtool, with and without the system's apt lists.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { obtainPromtool } from "./promtool.ts";

const base = mkdtempSync(join(tmpdir(), "promtool-helper-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A folder for one case: `bin/` with the stand-ins, `calls` logging each apt-get call. */
function fakeApt(systemLists: "present" | "missing") {
  const dir = mkdtempSync(join(base, "case-"));
  const bin = join(dir, "bin");
  const calls = join(dir, "calls");
  mkdirSync(bin);
  // apt-get: logs its arguments; `download` fails on the system's lists when they are "missing".
  writeFileSync(
    join(bin, "apt-get"),
    `#!/bin/bash
echo "$*" >> ${calls}
if [[ " $* " == *" download "* ]]; then
  if [[ "${systemLists}" == missing && "$*" != *Dir::State::Lists=* ]]; then
    echo "E: Unable to locate package prometheus" >&2; exit 100
  fi
  echo deb > prometheus_2.42.0_amd64.deb
fi
`,
  );
  // dpkg-deb -x <deb> <dir>: a promtool that says who it is.
  writeFileSync(
    join(bin, "dpkg-deb"),
    `#!/bin/bash
/bin/mkdir -p "$3/usr/bin"
printf '#!/bin/sh\\necho fake promtool\\n' > "$3/usr/bin/promtool"
/bin/chmod +x "$3/usr/bin/promtool"
`,
  );
  chmodSync(join(bin, "apt-get"), 0o755);
  chmodSync(join(bin, "dpkg-deb"), 0o755);
  const aptCalls = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []);
  return { cacheDir: join(dir, "cache"), env: { PATH: bin }, aptCalls };
}

describe("obtainPromtool", () => {
  test("PROMTOOL wins over everything", async () => {
    const fake = fakeApt("present");
    expect(await obtainPromtool({ ...fake, env: { ...fake.env, PROMTOOL: "/opt/promtool" } })).toBe("/opt/promtool");
    expect(fake.aptCalls()).toEqual([]);
  });

  test("a promtool on PATH is used as it is", async () => {
    const fake = fakeApt("present");
    const own = join(base, "own-bin");
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, "promtool"), "#!/bin/sh\n");
    chmodSync(join(own, "promtool"), 0o755);
    expect(await obtainPromtool({ ...fake, env: { PATH: `${own}:${fake.env.PATH}` } })).toBe(join(own, "promtool"));
    expect(fake.aptCalls()).toEqual([]);
  });

  test("otherwise it is downloaded with the system's apt lists, extracted, then reused from the cache", async () => {
    const fake = fakeApt("present");
    const path = await obtainPromtool(fake);
    expect(path).toBe(join(fake.cacheDir, "promtool"));
    expect(Bun.spawnSync([path]).stdout.toString()).toBe("fake promtool\n");
    expect(fake.aptCalls()).toEqual(["-q download prometheus"]);
    expect(await obtainPromtool(fake)).toBe(path);
    expect(fake.aptCalls()).toHaveLength(1);
  });

  test("without usable system lists, apt fetches private lists into the cache first (no root needed)", async () => {
    const fake = fakeApt("missing");
    const path = await obtainPromtool(fake);
    expect(Bun.spawnSync([path]).stdout.toString()).toBe("fake promtool\n");
    const [system, update, download] = fake.aptCalls();
    expect(system).toBe("-q download prometheus");
    expect(update).toMatch(/-o Dir::State::Lists=.*\/apt\/lists -o Dir::Cache=.* update$/);
    expect(download).toMatch(/-o Dir::State::Lists=.*\/apt\/lists -o Dir::Cache=.* download prometheus$/);
  });

  test("with no apt at all it fails, saying what to install", async () => {
    const empty = mkdtempSync(join(base, "empty-"));
    const failure = obtainPromtool({ cacheDir: join(empty, "cache"), env: { PATH: empty } });
    await expect(failure).rejects.toThrow(/install Debian's prometheus package, or set PROMTOOL/);
  });
});
