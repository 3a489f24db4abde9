/**
 * The public behaviour is documented inside the repository, so no link in `docs/` leaves it
 * (contract §9), and every link between its pages, and to the repository's files, resolves.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ROOT } from "./_setup.ts";

const DOCS = join(ROOT, "docs");
const pages = readdirSync(DOCS).filter((file) => file.endsWith(".md"));
/** `[text](target)` links of a Markdown page, code spans and blocks left out. */
const links = (markdown: string) =>
  [
    ...markdown
      .replace(/```[\s\S]*?```/g, "")
      .replace(/`[^`\n]*`/g, "")
      .matchAll(/\]\(([^)\s]+)\)/g),
  ].map((m) => m[1] as string);

test("docs/ has pages, and their links are there to check", () => {
  expect(pages.length).toBeGreaterThan(10);
  expect(pages.flatMap((page) => links(readFileSync(join(DOCS, page), "utf8"))).length).toBeGreaterThan(20);
});

test.each(pages)("docs/%s links nowhere outside the repository, and every link resolves", (page) => {
  const file = join(DOCS, page);
  for (const target of links(readFileSync(file, "utf8"))) {
    expect({ page, target, external: /^[a-z][a-z0-9+.-]*:/i.test(target) }).toEqual({ page, target, external: false });
    const path = target.split("#")[0] as string;
    if (path === "") continue; // an anchor on the same page
    expect({ page, target, exists: existsSync(resolve(dirname(file), path)) }).toEqual({ page, target, exists: true });
  }
});
