/**
 * The admin guard (docs/admin.md), table-driven: every admin route × every credential (none, a
 * viewer, deployer and admin key, the admin token, a revoked, an expired and a wrong key) in
 * three configurations: no plugins, `@buntime/authn` (a real OpenID provider), and authn +
 * `@buntime/authz` (policies that grant what the roles grant). Plus the public routes in each, and
 * authz alone with a policy that denies an admin key and the admin token by name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey } from "../server/src/admin/keys-routes.ts";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import {
  ADMIN_ROUTES,
  type AdminRoute,
  AUTHZ_ROUTES,
  CREDENTIALS,
  type CredentialName,
  expected,
  expectOutcome,
  seedCredentials,
  send,
} from "./_admin.ts";
import { ROOT, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "./_setup.ts";
import { type OidcProvider, startOidcProvider } from "./support/oidc.ts";

/** Policies that grant what the roles of docs/admin.md grant, so the expectations are the same table. */
const ROLE_POLICIES = [
  {
    id: "readers",
    effect: "permit",
    subjects: [{ role: "viewer" }, { role: "deployer" }, { role: "admin" }],
    resources: [{ path: "/_/**" }],
    actions: [{ method: "GET" }, { method: "HEAD" }],
  },
  {
    id: "deployers",
    effect: "permit",
    subjects: [{ role: "deployer" }, { role: "admin" }],
    resources: [{ path: "/_/deployments/**" }, { path: "/_/apps/**" }],
  },
  { id: "admins", effect: "permit", subjects: [{ role: "admin" }] },
  {
    id: "keys-are-for-admins",
    effect: "deny",
    subjects: [{ role: "viewer" }, { role: "deployer" }],
    resources: [{ path: "/_/keys" }, { path: "/_/keys/**" }],
  },
  // A policy can name a key as a subject: this viewer key may also deploy.
  {
    id: "ci-viewer-may-deploy",
    effect: "permit",
    subjects: [{ id: "test-viewer" }],
    resources: [{ path: "/_/deployments/granted/**" }],
  },
];

const PUBLIC = [
  ["GET", "/_/health"],
  ["HEAD", "/_/health"],
  ["GET", "/_/ready"],
  ["HEAD", "/_/ready"],
  ["GET", "/_/authn/well-known"],
  ["HEAD", "/_/authn/well-known"],
  // The dashboard's login page: a browser without a session must be able to get one.
  ["GET", "/_/dashboard/login"],
  ["HEAD", "/_/dashboard/login"],
] as const;

let idp: OidcProvider;
beforeAll(async () => {
  idp = await startOidcProvider();
});
afterAll(() => idp?.stop());

function authnOptions() {
  return {
    provider: "keycloak",
    url: idp.issuer.replace(/\/realms\/test$/, ""),
    realm: "test",
    audience: idp.audience,
    clientId: "buntime-app",
  };
}

const CONFIGURATIONS: { name: string; plugins: () => unknown[]; routes: readonly AdminRoute[]; authn: boolean }[] = [
  { name: "no plugins", plugins: () => [], routes: ADMIN_ROUTES, authn: false },
  { name: "authn", plugins: () => [["@buntime/authn", authnOptions()]], routes: ADMIN_ROUTES, authn: true },
  {
    name: "authn + authz",
    plugins: () => [
      ["@buntime/authn", authnOptions()],
      [
        "@buntime/authz",
        {
          store: "memory",
          algorithm: "deny-overrides",
          policies: ROLE_POLICIES,
          excludePaths: ["/_/deployments/unchecked/**"],
        },
      ],
    ],
    routes: [...ADMIN_ROUTES, ...AUTHZ_ROUTES],
    authn: true,
  },
];

for (const configuration of CONFIGURATIONS) {
  describe(`with ${configuration.name}`, () => {
    let server: TestServer;
    let credentials: Record<CredentialName, Record<string, string>>;
    beforeAll(async () => {
      server = await startTestServer({}, { config: normaliseConfig({ plugins: configuration.plugins() }, ROOT) });
      credentials = await seedCredentials(server.keys);
    });
    afterAll(() => server?.stop());

    for (const credential of CREDENTIALS) {
      test(`every admin route, credential: ${credential}`, async () => {
        for (const route of configuration.routes) {
          const outcome = expected(credential, route.role);
          const res = await send(server.url, route, credentials[credential]);
          await expectOutcome(res, route, outcome, `${route.method} ${route.path} as ${credential}`);
        }
      });
    }

    test("the public routes need no credential, and a wrong one does not matter", async () => {
      for (const [method, path] of PUBLIC) {
        for (const headers of [{}, credentials.wrong]) {
          // Not followed: a redirect to a sign-in page would be a credential asked for.
          const res = await fetch(new URL(path, server.url), { method, headers, redirect: "manual" });
          await res.body?.cancel();
          const ok = path === "/_/authn/well-known" && !configuration.authn ? 404 : 200;
          expect({ method, path, status: res.status }).toEqual({ method, path, status: ok });
        }
      }
      expect(await (await fetch(new URL("/_/ready", server.url))).json()).toEqual({ status: "ready" });
    });

    test("a key is not a credential on app routes", async () => {
      const res = await fetch(new URL("/echo/", server.url), { headers: credentials.admin });
      await res.body?.cancel();
      // Without authn app routes are open (the app sees the header); with it, a key is no token.
      expect(res.status).toBe(configuration.authn ? 401 : 200);
    });

    if (configuration.authn) {
      test("an OIDC login holds the highest of its viewer/deployer/admin roles, none otherwise", async () => {
        const jwt = (roles: string[]) => idp.sign({ realm_access: { roles } });
        const deploy = ADMIN_ROUTES.find((r) => r.method === "POST" && r.path.startsWith("/_/deployments"))!;
        const stats = ADMIN_ROUTES.find((r) => r.path === "/_/stats")!;
        const as = async (roles: string[]) => ({ authorization: `Bearer ${await jwt(roles)}` });
        await expectOutcome(await send(server.url, deploy, await as(["user", "deployer"])), deploy, "pass", "deployer");
        await expectOutcome(await send(server.url, deploy, await as(["viewer"])), deploy, "FORBIDDEN", "viewer");
        await expectOutcome(await send(server.url, stats, await as(["viewer"])), stats, "pass", "viewer");
        await expectOutcome(await send(server.url, stats, await as(["user", "reader"])), stats, "FORBIDDEN", "none");
      });
    }

    if (configuration.name === "authn + authz") {
      test("a path authz does not check (excludePaths) still needs the route's role", async () => {
        const post = (headers: Record<string, string>) =>
          fetch(new URL("/_/deployments/unchecked/1.0.0", server.url), {
            method: "POST",
            headers: { ...headers, "content-type": "application/gzip" },
            body: "not gzip",
          });
        const asViewer = await post(credentials.viewer);
        expect(asViewer.status).toBe(403);
        expect(((await asViewer.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
        expect((await post(credentials.deployer)).status).toBe(400);
        expect((await post({})).status).toBe(401);
      });

      test("the policies decide: one naming a key's name as subject lets a viewer key deploy there", async () => {
        const res = await fetch(new URL("/_/deployments/granted/1.0.0", server.url), {
          method: "POST",
          headers: { ...credentials.viewer, "content-type": "application/gzip" },
          body: "not gzip",
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DEPLOYMENT_INVALID");
      });
    }
  });
}

describe("with authz alone (deny-overrides): no credential skips the policies", () => {
  // Everything is permitted, except /_/stats and /_/keys to one admin key (by its name) and to
  // the admin token (by its subject): both hold role admin, so only the policies can refuse them.
  const POLICIES = [
    { id: "everything", effect: "permit" },
    {
      id: "not-these-two-here",
      effect: "deny",
      subjects: [{ id: "test-admin" }, { id: "admin-token" }],
      resources: [{ path: "/_/stats" }, { path: "/_/keys" }],
    },
  ];
  let server: TestServer;
  let denied: Record<string, Record<string, string>>;
  let other: Record<string, string>;
  beforeAll(async () => {
    const plugins = [["@buntime/authz", { store: "memory", algorithm: "deny-overrides", policies: POLICIES }]];
    server = await startTestServer({}, { config: normaliseConfig({ plugins }, ROOT) });
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
    denied = {
      "the key named test-admin": bearer((await createKey(server.keys, { name: "test-admin", role: "admin" })).key),
      "the admin token": bearer(TEST_ADMIN_TOKEN),
    };
    other = bearer((await createKey(server.keys, { name: "other-admin", role: "admin" })).key);
  });
  afterAll(() => server?.stop());

  test("a deny naming the key or the token is 403 FORBIDDEN for it, while another admin key passes", async () => {
    for (const path of ["/_/stats", "/_/keys"]) {
      for (const [who, headers] of Object.entries(denied)) {
        const res = await fetch(server.at(path), { headers });
        const code = ((await res.json()) as { error?: { code: string } }).error?.code;
        expect({ path, who, status: res.status, code }).toEqual({ path, who, status: 403, code: "FORBIDDEN" });
      }
      const res = await fetch(server.at(path), { headers: other });
      await res.body?.cancel();
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
  });

  test("the deny reaches only its paths: the same credentials read /_/metrics", async () => {
    for (const [who, headers] of Object.entries(denied)) {
      const res = await fetch(server.at("/_/metrics"), { headers });
      await res.body?.cancel();
      expect({ who, status: res.status }).toEqual({ who, status: 200 });
    }
  });
});
