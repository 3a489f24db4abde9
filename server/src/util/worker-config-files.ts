/**
 * An app version's config files, at its folder's root (`worker.jsonc` wins when both exist): a
 * fact the host (the catalogue) and the guest (the static handler, which never serves them) share.
 */
export const WORKER_JSONC = "worker.jsonc";
export const WORKER_CONFIG_TS = "worker.config.ts";
export const WORKER_CONFIG_FILES: readonly string[] = [WORKER_JSONC, WORKER_CONFIG_TS];
