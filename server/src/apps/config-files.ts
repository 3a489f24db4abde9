/** An app version's config files, at its folder's root; `worker.jsonc` wins when both exist. */
export const WORKER_JSONC = "worker.jsonc";
export const WORKER_CONFIG_TS = "worker.config.ts";
export const WORKER_CONFIG_FILES: readonly string[] = [WORKER_JSONC, WORKER_CONFIG_TS];
