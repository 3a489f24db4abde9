import { secureHeaders } from "hono/secure-headers";

/**
 * The Content-Security-Policy of every dashboard answer (docs/dashboard.md): scripts and styles
 * only from our own files, never inline, so a string that slipped past escaping still cannot
 * run. uPlot styles its elements through the CSSOM (allowed) and ships its rules as a file.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Hono's secure-headers middleware with the dashboard's policy (and no framing, no referrer). */
export const dashboardSecurityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
});
