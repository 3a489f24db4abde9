/** @jsxImportSource hono/jsx */
/**
 * The login page (`/_/dashboard/login`, public): takes an API key or the admin token.
 * `client/login.ts` sends it once in a header to `/_/dashboard/session`; the secret never goes
 * in a URL (the form has no action a browser would put it in) or in storage.
 */
import { Layout } from "./layout.tsx";

/** The login page. */
export function Login() {
  return (
    <Layout title="Sign in" page="login">
      <h1>Sign in</h1>
      <form id="login" class="card" method="post" action="/_/dashboard/login">
        <p>
          <label for="secret">API key or admin token</label>
          <input
            id="secret"
            name="secret"
            type="password"
            autocomplete="current-password"
            required
            spellcheck={false}
          />
        </p>
        <p>
          <button type="submit">Sign in</button>
        </p>
        <p id="login-error" class="error" role="alert" />
      </form>
      <noscript>
        <p>The dashboard needs JavaScript: the key is sent in a header, never in a form body or URL.</p>
      </noscript>
    </Layout>
  );
}
