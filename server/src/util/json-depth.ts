/**
 * Whether a JSON value nests deeper than `max` arrays and objects, checked without recursion
 * (so a value nested thousands deep cannot overflow the stack here, as it does in a recursive
 * schema that would read it next). Stops at the first level past `max`.
 *
 * @example
 * nestsDeeperThan({ a: [{ b: 1 }] }, 2); // true (3 levels)
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const item of level) {
      if (typeof item !== "object" || item === null) continue;
      if (depth === max) return true;
      for (const child of Object.values(item)) if (typeof child === "object" && child !== null) next.push(child);
    }
    level = next;
  }
  return false;
}
