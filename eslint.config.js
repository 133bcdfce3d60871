// Lint for the whole monorepo: type-checked TypeScript, mocha hygiene, config-only env reads, and
// the import boundaries from docs/STYLE ("proto ← libs ← services/<name> ← services/coordinator").
import { readdirSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import globals from "globals";
import mocha from "eslint-plugin-mocha";
import tseslint from "typescript-eslint";

const root = import.meta.dirname;

// ---------------------------------------------------------------------------------------------
// Workspace packages, read from disk so a new service or lib is covered without editing this file.

/** @returns {{ dir: string, name: string }[]} package roots (relative dir, package name) */
function workspacePackages() {
  const rootPkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  /** @type {string[]} */
  const globs = [...(rootPkg.workspaces ?? []), "operator"];
  const dirs = globs.flatMap((g) => {
    if (!g.endsWith("/*")) return [g];
    const parent = g.slice(0, -2);
    if (!existsSync(path.join(root, parent))) return [];
    return readdirSync(path.join(root, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}`);
  });
  return dirs
    .filter((dir) => existsSync(path.join(root, dir, "package.json")))
    .map((dir) => ({
      dir,
      name: String(JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8")).name),
    }));
}

const packages = workspacePackages();
const serviceNames = packages.filter((p) => p.dir.startsWith("services/")).map((p) => p.name);
const providerNames = packages.filter((p) => p.dir === "provider").map((p) => p.name);
const e2eNames = packages.filter((p) => p.dir === "e2e").map((p) => p.name);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** regex matching `name` or `name/anything` for any of the given package names */
const anyOf = (names) => (names.length ? `^(${names.map(escape).join("|")})(/|$)` : "^$.");

// ---------------------------------------------------------------------------------------------
// Local rule: a relative import must stay inside the importing file's own workspace package.
// Another package (another service, a lib, proto) is reached only through its package name.

/** @param {string} absFile */
function packageOf(absFile) {
  const rel = path.relative(root, absFile).split(path.sep).join("/");
  return packages.find((p) => rel === p.dir || rel.startsWith(`${p.dir}/`));
}

const relativeWithinPackage = {
  meta: {
    type: "problem",
    docs: { description: "Relative imports may not leave the importing workspace package" },
    schema: [],
    messages: {
      escape:
        "'{{spec}}' reaches into {{target}} from {{own}}; import it by its package name ({{targetName}}) instead.",
    },
  },
  create(context) {
    const own = packageOf(context.filename);
    if (!own) return {};
    /** @param {import("estree").Node | null | undefined} source */
    function check(source) {
      if (!source || source.type !== "Literal" || typeof source.value !== "string") return;
      const spec = source.value;
      if (!spec.startsWith(".")) return;
      const target = path.resolve(path.dirname(context.filename), spec);
      const targetPkg = packageOf(target);
      if (targetPkg?.dir === own.dir) return;
      context.report({
        node: source,
        messageId: "escape",
        data: {
          spec,
          own: own.dir,
          target: targetPkg?.dir ?? path.relative(root, target),
          targetName: targetPkg?.name ?? "a workspace package",
        },
      });
    }
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
    };
  },
};

// Local rule: the edge's protocol folders (services/edge/src/protocols/<name>/) are siblings that
// share only the protocol-neutral core (services/edge/src/core/); none imports another, and the
// core imports none of them.

const PROTOCOLS_DIR = "services/edge/src/protocols/";
const CORE_DIR = "services/edge/src/core/";

/** @param {string} absFile @returns {string | undefined} the protocol folder's name */
function protocolOf(absFile) {
  const rel = path.relative(root, absFile).split(path.sep).join("/");
  if (!rel.startsWith(PROTOCOLS_DIR)) return undefined;
  const name = rel.slice(PROTOCOLS_DIR.length).split("/")[0];
  return name && rel.length > PROTOCOLS_DIR.length + name.length ? name : undefined;
}

const protocolsAreSiblings = {
  meta: {
    type: "problem",
    docs: {
      description: "An edge protocol folder never imports another one; the edge core imports none",
    },
    schema: [],
    messages: {
      sideways:
        "'{{spec}}' reaches from protocols/{{own}}/ into protocols/{{target}}/; move what both need into services/edge/src/core/.",
      upward:
        "'{{spec}}' reaches from the protocol-neutral core into protocols/{{target}}/; a protocol passes the core what it needs.",
    },
  },
  create(context) {
    const own = protocolOf(context.filename);
    const inCore = path
      .relative(root, context.filename)
      .split(path.sep)
      .join("/")
      .startsWith(CORE_DIR);
    if (!own && !inCore) return {};
    /** @param {import("estree").Node | null | undefined} source */
    function check(source) {
      if (!source || source.type !== "Literal" || typeof source.value !== "string") return;
      const spec = source.value;
      if (!spec.startsWith(".")) return;
      const target = protocolOf(path.resolve(path.dirname(context.filename), spec));
      if (target === undefined || target === own) return;
      if (own) context.report({ node: source, messageId: "sideways", data: { spec, own, target } });
      else context.report({ node: source, messageId: "upward", data: { spec, target } });
    }
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Local rule: one HTTP front door. An HTTP server (node:http/http2/https createServer) or a read
// of a request body belongs to the edge (services/edge: the route table and its one body reader),
// the coordinator's server bootstrap, the provider deployable and libs/http-body only; every
// other service hands the edge typed routes (docs/architecture.md, "The HTTP front door").

const HTTP_MODULES = /^(node:)?(http|http2|https)$/;
const SERVER_FACTORIES = new Set(["createServer", "createSecureServer"]);
const REQUEST_NAMES = new Set(["req", "request", "incoming"]);

const noHttpServer = {
  meta: {
    type: "problem",
    docs: { description: "HTTP servers and request-body reads only behind the edge's front door" },
    schema: [],
    messages: {
      server:
        "'{{name}}' starts an HTTP server outside the front door: export HttpRoute definitions (@darkbloom/http-body) for the edge's route table instead.",
      body: "Reading a request body here bypasses the front door's one reader and its limits: use HttpCall.readBody() in a route handler.",
    },
  },
  create(context) {
    /** local names bound to an http module (namespace/default) */
    const modules = new Set();
    const isRequest = (node) => node?.type === "Identifier" && REQUEST_NAMES.has(node.name);
    return {
      ImportDeclaration(node) {
        const source = String(node.source.value);
        if (source === "@darkbloom/http-body")
          for (const spec of node.specifiers)
            if (spec.type === "ImportSpecifier" && spec.imported.name === "readBody")
              context.report({ node: spec, messageId: "body" });
        if (!HTTP_MODULES.test(source)) return;
        for (const spec of node.specifiers) {
          if (spec.type === "ImportSpecifier" && SERVER_FACTORIES.has(spec.imported.name))
            context.report({ node: spec, messageId: "server", data: { name: spec.imported.name } });
          else if (spec.type !== "ImportSpecifier") modules.add(spec.local.name);
        }
      },
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== "MemberExpression" || callee.property.type !== "Identifier") return;
        const name = callee.property.name;
        if (
          SERVER_FACTORIES.has(name) &&
          callee.object.type === "Identifier" &&
          modules.has(callee.object.name)
        )
          context.report({ node, messageId: "server", data: { name } });
        const first = node.arguments[0];
        if (
          ["on", "once", "addListener"].includes(name) &&
          isRequest(callee.object) &&
          first?.type === "Literal" &&
          first.value === "data"
        )
          context.report({ node, messageId: "body" });
      },
      ForOfStatement(node) {
        if (node.await && isRequest(node.right)) context.report({ node, messageId: "body" });
      },
    };
  },
};

/** Where an HTTP server or a body read may stand (besides tests, fakes and fixtures). */
const httpServerAllowed = [
  "services/edge/**",
  "services/coordinator/src/dual-protocol-server.ts",
  "services/coordinator/src/metrics-server.ts",
  "libs/http-body/**",
];

const local = {
  rules: {
    "relative-within-package": relativeWithinPackage,
    "protocols-are-siblings": protocolsAreSiblings,
    "no-http-server": noHttpServer,
  },
};

// ---------------------------------------------------------------------------------------------
// Import boundaries. ESLint keeps only the last matching setting of a rule, so every file group
// gets the complete pattern list it needs, built from these pieces.

const testFiles = [
  "**/*.test.ts",
  "**/*.test-*.ts",
  "**/*.spec.ts",
  "**/testing/**",
  "**/fakes/**",
  "**/fixtures/**",
  "e2e/**",
];

const noTestingOutsideTests = [
  {
    // Matches @darkbloom/testing as well as any relative path through a testing/ or fakes/ folder.
    regex: "(^|/)(testing|fakes)(/|$)",
    message: "@darkbloom/testing and testing/ or fakes/ folders are for tests and e2e only.",
  },
];

const publicSurfaceOnly = [
  {
    // `@darkbloom/<lib>/testing` is a lib's second index, for tests (noTestingOutsideTests).
    regex: "^@darkbloom/(?!proto/gen(/|$))[^/]+/(?!testing$).+",
    message:
      "Import a workspace package by its name only; its index.ts is its whole public surface (wire types: '@darkbloom/proto').",
  },
  {
    regex: "(^|/)proto/gen(/|$)",
    message: "Generated wire types are imported only through '@darkbloom/proto'.",
  },
];

const libsNeverImportDeployables = [
  {
    regex: anyOf([...serviceNames, ...providerNames, ...e2eNames]),
    message: "libs/ never imports services, provider or e2e.",
  },
];

const servicesNeverImportProvider = [
  {
    regex: anyOf([...providerNames, ...e2eNames]),
    message: "services/ never imports provider or e2e.",
  },
];

/**
 * The other services a service's production code may import, by package index; every other
 * service is reached through its generated Connect client, or through a contract in libs/ that
 * both import (routing and attestation: @darkbloom/session-trust). The coordinator composes them all.
 * @type {Record<string, string[]>}
 */
const serviceMayImport = {
  "services/edge": ["@darkbloom/auth", "@darkbloom/ledger"],
  "services/auth": ["@darkbloom/ledger"],
};

/** @param {string} dir */
const otherServicesOf = (dir) => [
  {
    regex: anyOf(
      packages
        .filter((p) => p.dir.startsWith("services/") && p.dir !== dir)
        .filter((p) => !(serviceMayImport[dir] ?? []).includes(p.name))
        .map((p) => p.name),
    ),
    message: `${dir} reaches other services through their generated clients or a shared contract in libs/, not by importing them (allowed here: ${(serviceMayImport[dir] ?? []).join(", ") || "none"}).`,
  },
];

const providerNeverImportsServices = [
  {
    regex: anyOf([...serviceNames, ...e2eNames]),
    message: "provider uses proto and libs only, never services or e2e.",
  },
];

/** @param {{ patterns: object[] }} opts */
const restrictImports = ({ patterns }) => ["error", { patterns }];

const envSelectors = [
  {
    selector: "MemberExpression[object.name='process'][property.name='env']",
    message: "process.env is read only in config.ts files (practice 8).",
  },
  {
    selector:
      "MemberExpression[object.type='MemberExpression'][object.property.name='process'][property.name='env']",
    message: "process.env is read only in config.ts files (practice 8).",
  },
  {
    selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
    message: "process.env is read only in config.ts files (practice 8).",
  },
  {
    selector:
      "ImportDeclaration[source.value=/^(node:)?process$/] > ImportSpecifier[imported.name='env']",
    message: "process.env is read only in config.ts files (practice 8).",
  },
];

// ---------------------------------------------------------------------------------------------

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "proto/gen/**",
      "**/.data/**",
      "provider/test-model/out/**",
      "console/**",
      "**/*.js",
      "**/dist/**",
      "coverage/**",
      ".tmp/**",
      // Deliberately broken imports, linted by lint/boundaries.test.ts at virtual paths.
      "lint/fixtures/**",
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },

  // TypeScript, type-checked.
  {
    files: ["**/*.ts", "**/*.mts", "**/*.cts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
      globals: { ...globals.node },
    },
    plugins: { local },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        {
          // A `default:` does not excuse a missing union member: new oneof cases must break the build.
          considerDefaultExhaustiveForUnions: false,
          allowDefaultCaseForExhaustiveSwitch: true,
        },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
      "no-restricted-syntax": ["error", ...envSelectors],
      "local/relative-within-package": "error",
      "local/protocols-are-siblings": "error",
      "no-restricted-imports": restrictImports({
        patterns: [...noTestingOutsideTests, ...publicSurfaceOnly],
      }),
    },
  },

  // Per-area boundaries for production code (tests are relaxed further below).
  {
    files: ["libs/**/*.ts"],
    rules: {
      "no-restricted-imports": restrictImports({
        patterns: [...noTestingOutsideTests, ...publicSurfaceOnly, ...libsNeverImportDeployables],
      }),
    },
  },
  {
    files: ["services/**/*.ts"],
    rules: {
      "no-restricted-imports": restrictImports({
        patterns: [...noTestingOutsideTests, ...publicSurfaceOnly, ...servicesNeverImportProvider],
      }),
    },
  },
  ...packages
    .filter((p) => p.dir.startsWith("services/") && p.dir !== "services/coordinator")
    .map((p) => ({
      files: [`${p.dir}/**/*.ts`],
      rules: {
        "no-restricted-imports": restrictImports({
          patterns: [
            ...noTestingOutsideTests,
            ...publicSurfaceOnly,
            ...servicesNeverImportProvider,
            ...otherServicesOf(p.dir),
          ],
        }),
      },
    })),
  {
    files: ["provider/**/*.ts"],
    rules: {
      "no-restricted-imports": restrictImports({
        patterns: [...noTestingOutsideTests, ...publicSurfaceOnly, ...providerNeverImportsServices],
      }),
    },
  },
  {
    // Inside proto/ the generated files are the package's own code.
    files: ["proto/**/*.ts"],
    rules: {
      "no-restricted-imports": restrictImports({ patterns: [...noTestingOutsideTests] }),
    },
  },

  // One HTTP front door: no HTTP server or body reader in services/ or libs/ outside it.
  {
    files: ["services/**/*.ts", "libs/**/*.ts"],
    ignores: [...httpServerAllowed, ...testFiles],
    rules: { "local/no-http-server": "error" },
  },

  // Tests, fakes, fixtures and e2e may use @darkbloom/testing; other boundaries still hold.
  {
    files: testFiles,
    ignores: ["proto/**"],
    rules: { "no-restricted-imports": restrictImports({ patterns: [...publicSurfaceOnly] }) },
  },
  {
    files: testFiles.filter((g) => !g.startsWith("e2e")).map((g) => `libs/${g}`),
    rules: {
      "no-restricted-imports": restrictImports({
        patterns: [...publicSurfaceOnly, ...libsNeverImportDeployables],
      }),
    },
  },
  {
    files: testFiles.filter((g) => !g.startsWith("e2e")).map((g) => `services/${g}`),
    rules: {
      "no-restricted-imports": restrictImports({
        patterns: [...publicSurfaceOnly, ...servicesNeverImportProvider],
      }),
    },
  },
  {
    files: testFiles.filter((g) => !g.startsWith("e2e")).map((g) => `provider/${g}`),
    rules: {
      "no-restricted-imports": restrictImports({
        patterns: [...publicSurfaceOnly, ...providerNeverImportsServices],
      }),
    },
  },

  // Mocha hygiene in specs.
  {
    files: ["**/*.test.ts", "**/*.spec.ts", "**/fixtures/**/*.ts", "e2e/**/*.ts"],
    plugins: { mocha },
    rules: {
      "mocha/no-exclusive-tests": "error",
      // eslint-plugin-mocha 11 folded no-skipped-tests into no-pending-tests (.skip, xit, no callback).
      "mocha/no-pending-tests": "error",
      "mocha/no-identical-title": "error",
      "mocha/no-nested-tests": "error",
      "mocha/handle-done-callback": "error",
      "mocha/no-return-and-callback": "error",
      // A top-level hook in one spec file runs for every file and after the leak-check root hook.
      "mocha/no-top-level-hooks": "error",
    },
  },
  {
    // Unit specs only: chai's `expect(x).to.be.true` style is an expression statement.
    files: ["**/*.test.ts", "**/*.spec.ts", "e2e/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },

  // Configuration is read once, in config.ts.
  {
    files: ["**/config.ts"],
    rules: {
      "no-restricted-syntax": "off",
    },
  },

  // Plain Node scripts (scripts/*.mjs, reporters): not type-checked, env allowed.
  {
    files: ["**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      "no-restricted-syntax": "off",
      "no-restricted-imports": "off",
      "no-undef": "error",
    },
  },
);
