/**
 * deploy/kubernetes/ (docs/cluster.md#kubernetes): with no cluster here, the manifests are
 * rendered the way `kubectl apply -k` would for what they use (resources, labels, images; any
 * other kustomization field fails the test rather than being skipped), every resource is
 * validated against the Kubernetes API's OpenAPI schemas (kubernetes-models), and the facts
 * that tie them to the server are checked: the probes' routes, a grace period longer than the
 * shutdown takes, non-root with a read-only root, the env the server's schema accepts, the store
 * from a Secret, selectors that select.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { parseAllDocuments } from "yaml";
import { parseJsonc } from "../server/src/apps/jsonc.ts";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { envSchema, loadEnv } from "../server/src/constants.ts";
import { SHUTDOWN_MARGIN_MS } from "../server/src/shutdown.ts";
import { ROOT } from "./_setup.ts";

const BASE = join(ROOT, "deploy/kubernetes");
const OVERLAY = join(BASE, "overlays/postgres");

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain parsed YAML
type Resource = Record<string, any>;

/** The model (and so the schema) of each kind the manifests use; an unknown kind fails. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

/** The kustomization fields this renderer applies; any other would be silently ignored, so it fails. */
const KNOWN_FIELDS = new Set(["apiVersion", "kind", "resources", "labels", "images"]);

function readYaml(file: string): Resource[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Resource;
  });
}

/** `kubectl kustomize <dir>`, for the fields in KNOWN_FIELDS. */
function render(dir: string): Resource[] {
  const file = join(dir, "kustomization.yaml");
  expect(existsSync(file)).toBe(true);
  const [kustomization] = readYaml(file) as [Resource];
  expect(kustomization.kind).toBe("Kustomization");
  for (const field of Object.keys(kustomization))
    expect(KNOWN_FIELDS.has(field) ? field : `unknown: ${field}`).toBe(field);
  const resources = (kustomization.resources as string[]).flatMap((entry) => {
    const path = join(dir, entry);
    expect(existsSync(path)).toBe(true);
    return statSync(path).isDirectory() ? render(path) : readYaml(path);
  });
  for (const { pairs, includeSelectors } of (kustomization.labels ?? []) as Resource[]) {
    for (const resource of resources) addLabels(resource, pairs, includeSelectors);
  }
  for (const image of (kustomization.images ?? []) as Resource[]) {
    for (const container of containersOf(resources)) {
      if (container.image === image.name)
        container.image = `${image.newName ?? image.name}:${image.newTag ?? "latest"}`;
    }
  }
  return resources;
}

function addLabels(resource: Resource, pairs: Record<string, string>, selectors: boolean): void {
  resource.metadata.labels = { ...resource.metadata.labels, ...pairs };
  if (!selectors) return;
  const spec = resource.spec ?? {};
  if (resource.kind === "Service") spec.selector = { ...spec.selector, ...pairs };
  else if (spec.selector?.matchLabels) spec.selector.matchLabels = { ...spec.selector.matchLabels, ...pairs };
  if (spec.template?.metadata) spec.template.metadata.labels = { ...spec.template.metadata.labels, ...pairs };
}

function containersOf(resources: Resource[]): Resource[] {
  return resources.flatMap((r) => (r.spec?.template?.spec?.containers ?? []) as Resource[]);
}

function one(resources: Resource[], kind: string, name?: string): Resource {
  const found = resources.filter((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  expect(found.length).toBe(1);
  return found[0] as Resource;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe.each([
  ["the base", BASE],
  ["the postgres overlay", OVERLAY],
])("%s", (_, dir) => {
  const resources = render(dir);

  test("every resource is valid against the Kubernetes schemas, and names are unique per kind", () => {
    for (const resource of resources) {
      const Model = MODELS[`${resource.apiVersion}/${resource.kind}`];
      expect(Model ? `${resource.apiVersion}/${resource.kind}` : "a kind without a model").toBe(
        `${resource.apiVersion}/${resource.kind}`,
      );
      expect(() => new (Model as NonNullable<typeof Model>)(resource as never).validate()).not.toThrow();
    }
    const keys = resources.map((r) => `${r.kind}/${r.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("the server's Deployment: probes, preStop, a grace period longer than the shutdown, non-root, read-only root", () => {
    const deployment = one(resources, "Deployment", "buntime");
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers as [Resource];
    expect(container.livenessProbe.httpGet.path).toBe("/_/health");
    expect(container.readinessProbe.httpGet.path).toBe("/_/ready");
    const preStop = container.lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe("sleep");
    const env = Object.fromEntries(
      (container.env as Resource[]).filter((e) => "value" in e).map((e) => [e.name, e.value]),
    );
    const shutdownSeconds = Number(env.SHUTDOWN_TIMEOUT);
    // preStop, then SIGTERM: the server's deadline (SHUTDOWN_TIMEOUT + margin) and the supervisor's 2 s more.
    const needed = Number(preStop[1]) + shutdownSeconds + SHUTDOWN_MARGIN_MS / 1000 + 2;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  test("the env is what the server's schema accepts; the store's URL comes from a Secret", () => {
    const [container] = one(resources, "Deployment", "buntime").spec.template.spec.containers as [Resource];
    const names = (container.env as Resource[]).map((e) => e.name as string);
    for (const name of names) expect(Object.keys(envSchema.shape)).toContain(name);
    const literal = Object.fromEntries(
      (container.env as Resource[]).filter((e) => "value" in e).map((e) => [e.name, e.value]),
    );
    expect(() => loadEnv(literal)).not.toThrow();
    const store = (container.env as Resource[]).find((e) => e.name === "BUNTIME_STORE");
    expect(store?.valueFrom?.secretKeyRef?.name).toBe("buntime");
    expect(store?.valueFrom?.secretKeyRef?.optional ?? false).toBe(false);
  });

  test("APPS_DIR, BUNTIME_DATA_DIR and /tmp are writable emptyDirs; the config is the ConfigMap's valid buntime.jsonc", () => {
    const pod = one(resources, "Deployment", "buntime").spec.template.spec;
    const [container] = pod.containers as [Resource];
    const env = Object.fromEntries((container.env as Resource[]).map((e) => [e.name, e.value]));
    const volumes = Object.fromEntries((pod.volumes as Resource[]).map((v) => [v.name, v]));
    const mountAt = (path: string) => (container.volumeMounts as Resource[]).find((m) => m.mountPath === path);
    for (const path of [env.APPS_DIR, env.BUNTIME_DATA_DIR, "/tmp"]) {
      const mount = mountAt(path);
      expect(mount?.readOnly ?? false).toBe(false);
      expect(volumes[mount?.name]?.emptyDir).toBeDefined();
    }
    const configMount = mountAt(dirname(env.BUNTIME_CONFIG));
    const configMap = one(resources, "ConfigMap", volumes[configMount?.name]?.configMap?.name);
    const text = configMap.data[env.BUNTIME_CONFIG.split("/").pop()];
    expect(() => normaliseConfig(parseJsonc(text, "buntime.jsonc"), ROOT)).not.toThrow();
  });

  test("the Service, the PodDisruptionBudget and the autoscaler select the Deployment's pods", () => {
    const deployment = one(resources, "Deployment", "buntime");
    const labels = deployment.spec.template.metadata.labels;
    expect(selects(deployment.spec.selector.matchLabels, labels)).toBe(true);
    const service = one(resources, "Service", "buntime");
    expect(selects(service.spec.selector, labels)).toBe(true);
    const port = (deployment.spec.template.spec.containers[0].ports as Resource[])[0];
    expect(service.spec.ports[0].targetPort).toBe(port?.name);
    expect(selects(one(resources, "PodDisruptionBudget").spec.selector.matchLabels, labels)).toBe(true);
    const target = one(resources, "HorizontalPodAutoscaler").spec.scaleTargetRef;
    expect([target.kind, target.name]).toEqual(["Deployment", "buntime"]);
    // The image kustomize sets is the one the Deployment runs.
    expect(deployment.spec.template.spec.containers[0].image).toBe("buntime:latest");
  });
});

describe("the postgres overlay", () => {
  const resources = render(OVERLAY);

  test("the Secret the Deployment reads holds a postgres URL naming the overlay's PostgreSQL Service", () => {
    const [container] = one(resources, "Deployment", "buntime").spec.template.spec.containers as [Resource];
    const ref = (container.env as Resource[]).find((e) => e.name === "BUNTIME_STORE")?.valueFrom.secretKeyRef;
    const secret = one(resources, "Secret", ref.name);
    const url = new URL(secret.stringData[ref.key]);
    expect(url.protocol).toBe("postgres:");
    const service = one(resources, "Service", url.hostname);
    expect(service.spec.ports[0].port).toBe(Number(url.port));
    const statefulSet = one(resources, "StatefulSet");
    expect(statefulSet.spec.serviceName).toBe(service.metadata.name);
    expect(selects(service.spec.selector, statefulSet.spec.template.metadata.labels)).toBe(true);
    // The database's credentials agree with the URL's.
    const database = one(resources, "Secret", statefulSet.spec.template.spec.containers[0].envFrom[0].secretRef.name);
    expect([database.stringData.POSTGRES_USER, database.stringData.POSTGRES_PASSWORD]).toEqual([
      url.username,
      url.password,
    ]);
    expect(database.stringData.POSTGRES_DB).toBe(url.pathname.slice(1));
  });

  test("the server's pods and the database's are told apart by their selectors", () => {
    const server = one(resources, "Service", "buntime");
    const database = one(resources, "StatefulSet").spec.template.metadata.labels;
    expect(selects(server.spec.selector, database)).toBe(false);
  });
});
