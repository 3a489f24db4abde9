/**
 * Who is looking at a dashboard page and what it may offer them. The page shows write controls
 * only to a deployer (the server refuses a viewer's writes anyway, admin/roles.ts).
 */
import type { AdminGuard } from "../admin/guard.ts";
import { roleAtLeast } from "../admin/roles.ts";

export interface Viewer {
  /** The key's name or `admin-token`; undefined when nothing is configured (open reads). */
  name: string | undefined;
  role: string | undefined;
  /** Deploy, delete, tags and traffic (role deployer or above). */
  canWrite: boolean;
  /** Signed in by the dashboard's cookie (so it can sign out). */
  session: boolean;
  /** Whether any admin credential is configured (false: the locked default, reads open). */
  configured: boolean;
}

/**
 * The viewer of `request`. The guard has already let it through, so it is a verified caller or,
 * with no credential configured at all, an anonymous reader.
 */
export async function viewerOf(guard: AdminGuard, request: Request): Promise<Viewer> {
  const verified = await guard.identify(request);
  const configured = await guard.configured();
  if (!verified) return { name: undefined, role: undefined, canWrite: false, session: false, configured };
  return {
    configured,
    name: verified.identity.sub,
    role: verified.role,
    canWrite: roleAtLeast(verified.role, "deployer"),
    session: verified.session,
  };
}
