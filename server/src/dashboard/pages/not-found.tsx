/** @jsxImportSource hono/jsx */
/** The page for a URL naming no possible app (the name is shown escaped, as everything is). */
import type { Viewer } from "../viewer.ts";
import { Layout } from "./layout.tsx";

/** 404 page. */
export function NotFound({ viewer, what }: { viewer: Viewer; what: string }) {
  return (
    <Layout title="Not found" page="plain" viewer={viewer}>
      <h1>Not found</h1>
      <p>
        No app can be named <code>{what}</code>: names are lowercase letters, digits, dots, dashes and underscores,
        starting with a letter or digit.
      </p>
      <p>
        <a href="/_/dashboard">Back to the overview</a>
      </p>
    </Layout>
  );
}
