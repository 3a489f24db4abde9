// Prints "<passed> <failed>" from a bun test JUnit report (0 1 when the report is missing).
import { readFileSync } from "node:fs";

let xml;
try {
  xml = readFileSync(process.argv[2], "utf8");
} catch {
  console.log("0 1");
  process.exit(0);
}
const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
const tests = attr("tests");
const failed = attr("failures") + attr("errors");
const skipped = attr("skipped");
console.log(`${tests - failed - skipped} ${failed}`);
