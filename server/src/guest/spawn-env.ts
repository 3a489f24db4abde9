/**
 * `Bun.spawn` in a worker inherits the *process's* environment, not the worker's `env`, which
 * would hand the server's secrets to an app's child processes. This makes the worker's own
 * `process.env` the default for every spawn that does not pass `env` itself.
 */
export function patchSpawnEnv(): void {
  const { spawn, spawnSync } = Bun;
  type SpawnArgs = Parameters<typeof spawn>;
  const withEnv = (args: unknown[]): unknown[] => {
    const [first, second] = args;
    if (Array.isArray(first))
      return [first, { ...(second as object), env: (second as { env?: object })?.env ?? { ...process.env } }];
    const options = first as { env?: object };
    return [{ ...options, env: options.env ?? { ...process.env } }, ...args.slice(1)];
  };
  Object.assign(Bun, {
    spawn: (...args: SpawnArgs) => spawn(...(withEnv(args) as SpawnArgs)),
    spawnSync: (...args: Parameters<typeof spawnSync>) => spawnSync(...(withEnv(args) as Parameters<typeof spawnSync>)),
  });
}
