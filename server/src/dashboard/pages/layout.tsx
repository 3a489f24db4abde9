/** @jsxImportSource hono/jsx */
/**
 * The frame of every dashboard page: head (our stylesheet, uPlot's, our client module: no
 * inline script or style, see security-headers.ts), the navigation and who is signed in.
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { ASSET } from "../assets.ts";
import type { Viewer } from "../viewer.ts";

export interface LayoutProps {
  title: string;
  /** Which client module runs (`client/main.ts` dispatches on it). */
  page: "overview" | "app" | "login" | "plain";
  viewer?: Viewer;
  /** The app a page is about (read by the client from `data-app`). */
  app?: string;
  children: Child;
}

/** The HTML document around a page's content. */
export function Layout({ title, page, viewer, app, children }: LayoutProps) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · Buntime`}</title>
          {/* No icon: else the browser asks for /favicon.ico, an app route, and counts APP_NOT_FOUND. */}
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href={ASSET.uplotCss} />
          <link rel="stylesheet" href={ASSET.css} />
          {page !== "login" && <script src={ASSET.uplot} defer />}
          <script type="module" src={ASSET.client} />
        </head>
        <body data-page={page} data-app={app} data-can-write={viewer?.canWrite ? "1" : "0"}>
          <header class="top">
            <a class="brand" href="/_/dashboard">
              Buntime
            </a>
            {viewer && (
              <nav aria-label="Main">
                <a href="/_/dashboard">Overview</a>
              </nav>
            )}
            {viewer && <Who viewer={viewer} />}
          </header>
          <main id="main">{children}</main>
        </body>
      </html>
    </>
  );
}

function Who({ viewer }: { viewer: Viewer }) {
  if (viewer.name === undefined) {
    return (
      <p class="who" id="who">
        {viewer.configured
          ? "Signed in through the identity provider (read-only here)"
          : "Read-only: no admin credential is configured (set BUNTIME_ADMIN_TOKEN or create a key)"}
      </p>
    );
  }
  return (
    <p class="who" id="who">
      Signed in as <strong>{viewer.name}</strong> (<span id="role">{viewer.role}</span>){" "}
      {viewer.session && (
        <button type="button" id="logout">
          Sign out
        </button>
      )}
    </p>
  );
}
