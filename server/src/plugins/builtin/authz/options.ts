import { z } from "zod";
import { canonicalAlgorithm, parseEntries } from "./pdp/index.ts";

/**
 * The options of `@buntime/authz` (docs/extensions.md#buntimeauthz). Initial `policies` are
 * validated here, so a fault is reported as `policies[2].Rule[0].Effect` when the plugin is built.
 */
export const authzOptionsSchema = z
  .strictObject({
    /**
     * Where policies live: a JSON file (default), only in memory, or the runtime's store
     * (`shared`: PostgreSQL with `BUNTIME_STORE`, every node sees a change at once; else
     * `policies.json` in `BUNTIME_DATA_DIR`; docs/cluster.md).
     */
    store: z.enum(["file", "memory", "shared"]).default("file"),
    /** The policy file (`store: "file"`), relative to the working folder. */
    path: z.string().min(1).default("./data/policies.json"),
    /** With `store: "file"`: a missing file means no policies (and is created), not an error. */
    createIfMissing: z.boolean().default(false),
    /** The initial policies of `store: "memory"`. */
    policies: z
      .array(z.unknown())
      .default([])
      .superRefine((policies, ctx) => {
        const parsed = parseEntries(policies, "");
        if (parsed.ok) return;
        for (const issue of parsed.issues) {
          // The path is a JSON path below `policies`: `[2].Rule[0].Effect`.
          ctx.addIssue({ code: "custom", message: `${issue.path}: ${issue.message}` });
        }
      }),
    /** The top-level policy-combining algorithm, by URN or short name. */
    algorithm: z
      .string()
      .default("deny-unless-permit")
      .transform((name, ctx) => {
        const urn = canonicalAlgorithm(name, "policy");
        if (!urn)
          ctx.addIssue({ code: "custom", message: `unknown policy-combining algorithm ${JSON.stringify(name)}` });
        return urn ?? name;
      }),
    /** Path globs (`*` within a segment, `**` across) that are never checked. `GET /_/health` never is. */
    excludePaths: z.array(z.string().startsWith("/", "a path glob starts with /")).default([]),
  })
  .superRefine((options, ctx) => {
    if (options.store === "file" && options.policies.length > 0) {
      ctx.addIssue({ code: "custom", message: 'initial policies need store: "memory"', path: ["policies"] });
    }
  });

export type AuthzOptions = z.output<typeof authzOptionsSchema>;
