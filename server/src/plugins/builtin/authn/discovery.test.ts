import { afterAll, beforeAll, expect, test } from "bun:test";
import { DiscoveryError, discover, discoveryUrl } from "./discovery.ts";

/** What the stub answers at `/<name>/.well-known/openid-configuration`. */
const answers: Record<string, (issuer: string) => Response | Promise<Response>> = {
  good: (issuer) => Response.json(metadata(issuer)),
  slash: (issuer) => Response.json(metadata(`${issuer}/`)),
  impostor: () => Response.json(metadata("https://evil.example.com/realms/good")),
  "no-jwks": (issuer) => Response.json({ issuer }),
  down: () => new Response("oops", { status: 500 }),
  html: () => new Response("<html>", { headers: { "content-type": "text/html" } }),
  slow: async (issuer) => {
    await Bun.sleep(1000);
    return Response.json(metadata(issuer));
  },
};

const metadata = (issuer: string) => ({
  issuer,
  jwks_uri: `${issuer}/certs`,
  token_endpoint: `${issuer}/token`,
  authorization_endpoint: `${issuer}/auth`,
});

let server: ReturnType<typeof Bun.serve>;
const issuerOf = (name: string) => `http://127.0.0.1:${server.port}/${name}`;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const [, name, ...rest] = new URL(request.url).pathname.split("/");
      const answer = answers[name ?? ""];
      if (!answer || rest.join("/") !== ".well-known/openid-configuration") return new Response(null, { status: 404 });
      return answer(issuerOf(name ?? ""));
    },
  });
});
afterAll(() => server.stop(true));

/** The error `discover` fails with. */
const failure = (issuer: string, timeoutMs = 2000) =>
  discover(issuer, timeoutMs).then(
    () => {
      throw new Error("discovery should have failed");
    },
    (error: unknown) => error as DiscoveryError,
  );

test("the discovery URL is the issuer plus /.well-known/openid-configuration, one slash", () => {
  expect(discoveryUrl("https://a.example/realms/x")).toBe(
    "https://a.example/realms/x/.well-known/openid-configuration",
  );
  expect(discoveryUrl("https://a.example/")).toBe("https://a.example/.well-known/openid-configuration");
});

test("reads the issuer, jwks_uri, token and authorization endpoints", async () => {
  const issuer = issuerOf("good");
  expect(await discover(issuer, 2000)).toEqual(metadata(issuer));
});

test("an issuer other than the configured one is a permanent error (even by a trailing slash)", async () => {
  for (const name of ["impostor", "slash"]) {
    const error = await failure(issuerOf(name));
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error.permanent).toBe(true);
  }
});

test("metadata without jwks_uri is a permanent error", async () => {
  expect((await failure(issuerOf("no-jwks"))).permanent).toBe(true);
});

test("5xx, 404, non-JSON, timeouts and closed ports are transient", async () => {
  for (const name of ["down", "missing", "html"]) expect((await failure(issuerOf(name))).permanent).toBe(false);
  expect((await failure(issuerOf("slow"), 100)).permanent).toBe(false);
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = closed.port;
  closed.stop(true);
  expect((await failure(`http://127.0.0.1:${port}/x`)).permanent).toBe(false);
});
