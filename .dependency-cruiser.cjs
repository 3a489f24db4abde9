/**
 * The package boundaries `npm run lint` holds (dependency-cruiser; `npm run lint:deps` alone):
 * packages meet only at their `exports` and point one way (sdk ← server ← emulator), each lists
 * what it imports, production code imports no test code, and no modules import each other in a
 * circle. `.dependency-cruiser-layers.cjs` holds the layers inside `server/src`.
 *
 * Parsed with swc: TypeScript 7 has no JavaScript API for dependency-cruiser to use.
 */

const PACKAGES = "(sdk|server|emulator)";
const TESTS = "(\\.test\\.ts$|^test/)";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cross-package-relative",
      severity: "error",
      comment: "A package reaches another only by its name and a path its `exports` lists, never by relative path.",
      from: { path: `^${PACKAGES}/` },
      to: { dependencyTypes: ["local"], path: `^${PACKAGES}/`, pathNot: "^$1/" },
    },
    {
      name: "no-relative-into-packages",
      severity: "error",
      comment:
        "The example app repository, fixture apps and fixture plugins import the packages by name, as users do. " +
        "(test/, bench/ and fixtures/scripts/ measure or test the runtime's internals and may reach them.)",
      from: { path: "^fixtures/(app-repo|plugins|apps)/" },
      to: { dependencyTypes: ["local"], path: `^${PACKAGES}/` },
    },
    {
      name: "packages-point-one-way",
      severity: "error",
      comment: "Dependencies point sdk ← server ← emulator: the sdk imports neither, the server not the emulator.",
      from: { path: "^(sdk|server)/" },
      to: { path: "^(emulator/|node_modules/buntime-emulator/)" },
    },
    {
      name: "sdk-imports-no-server",
      severity: "error",
      comment: "The sdk is the bottom of the stack.",
      from: { path: "^sdk/" },
      to: { path: "^(server/|node_modules/@buntime/server/)" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment:
        "An import that does not resolve; across packages, usually a path the other package's `exports` does not list.",
      from: {},
      to: { couldNotResolve: true, pathNot: "^bun(:|$)" },
    },
    {
      name: "not-to-unlisted",
      severity: "error",
      comment:
        "Every bare import of a package's code is listed in its own package.json, so the package installs alone " +
        "(tests run in the workspace, with its devDependencies, and are not shipped).",
      from: { path: `^${PACKAGES}/`, pathNot: TESTS },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "no-dev-deps-in-src",
      severity: "error",
      comment: "Published code needs its dependencies at run time, not devDependencies.",
      from: { path: `^${PACKAGES}/src/`, pathNot: TESTS },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "no-test-code-in-src",
      severity: "error",
      comment:
        "Test helpers live under test/; production code never imports them or bun:test. (The emulator is a test tool: " +
        "emulatorTest loads bun:test when called.)",
      from: { path: `^${PACKAGES}/src/`, pathNot: `(${TESTS}|^emulator/src/bun-test\\.ts$)` },
      to: { path: `(${TESTS}|^bun:test$)` },
    },
    {
      name: "bench-not-test",
      severity: "error",
      comment: "bench/ stands on its own: it does not import the test suite's helpers.",
      from: { path: "^bench/" },
      to: { path: "^test/" },
    },
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Modules that import each other in a circle. A cycle closed only by an `import type` is not one at run time " +
        "(types are erased), so it does not count here; folders are held to no cycles at all (.dependency-cruiser-layers.cjs).",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    parser: "swc",
    tsPreCompilationDeps: true,
    preserveSymlinks: true,
    doNotFollow: { path: "node_modules" },
    // .tsx: dependency-cruiser's swc parser reads TypeScript without JSX. Only the dashboard's
    // pages (server/src/dashboard/pages/) are .tsx, and they import only their own folder's
    // neighbours and types; routes.ts calls them as functions, so every other edge is checked.
    exclude: { path: "^fixtures/apps/bad-|\\.tmp/|\\.tsx$" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["bun", "import", "default"],
      extensions: [".ts", ".js", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
