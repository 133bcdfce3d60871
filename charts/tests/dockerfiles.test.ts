import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  contextCopies,
  dockerignoreMatcher,
  execForm,
  parseDockerfile,
  stages,
  type Stage,
} from "../../e2e/testbed/dockerfile.js";
import { REPO } from "../testing/helm.js";
import { lockedVersion, workspaceClosure, workspaces } from "../testing/import-graph.js";

/**
 * No Docker engine runs here, so the images are kept honest statically: each Dockerfile is parsed
 * and checked against the workspace it packages.
 */
const read = (file: string) => readFileSync(path.join(REPO, file), "utf8");
const dockerignore = () => dockerignoreMatcher(read(".dockerignore"));
const load = (file: string): Stage[] => stages(parseDockerfile(read(file)));
const finalStage = (s: Stage[]): Stage => s[s.length - 1]!;
const isStage = (all: Stage[], base: string) => all.some((s) => s.name === base);

/**
 * Node deployables of the workspace: Dockerfile, package name, entry file from its ENTRYPOINT, and
 * what runs its TypeScript (the coordinator's own loader, for its hot path; tsx for the operator).
 */
const NODE_IMAGES = [
  {
    dockerfile: "services/coordinator/Dockerfile",
    name: "@darkbloom/coordinator",
    entry: "services/coordinator/src/main.ts",
    loader: "ts-loader",
  },
  {
    dockerfile: "operator/Dockerfile",
    name: "@darkbloom/operator",
    entry: "operator/src/main.ts",
    loader: "tsx",
  },
] as const;
const ALL = [...NODE_IMAGES.map((i) => i.dockerfile), "console/Dockerfile"];

/** Workspace folders the final stage copies from the build context. */
function copiedWorkspaces(stage: Stage): Set<string> {
  const dirs = new Set(workspaces().values());
  return new Set(
    contextCopies(stage)
      .map((src) => src.replace(/\/$/, ""))
      .filter((src) => dirs.has(src)),
  );
}

describe("Dockerfiles", () => {
  for (const file of ALL) {
    describe(file, () => {
      const all = load(file);

      it("pins every base image to a version (or a digest), never latest", () => {
        expect(all.length).to.be.greaterThan(1, "multi-stage");
        for (const stage of all) {
          if (isStage(all, stage.base)) continue;
          expect(stage.base, stage.base).to.match(/(:[^:@]*\d+\.\d+[^:@]*|@sha256:[0-9a-f]{64})$/);
          expect(stage.base).to.not.match(/:latest$/);
        }
      });

      it("runs as a numeric non-root user in the final stage", () => {
        const users = finalStage(all).instructions.filter((i) => i.keyword === "USER");
        expect(users, "a USER instruction").to.have.length.greaterThan(0);
        const user = users[users.length - 1]!.args;
        expect(user).to.match(/^\d+(:\d+)?$/);
        expect(Number(user.split(":")[0])).to.be.greaterThan(0);
      });

      it("copies only paths that exist in the build context and that .dockerignore keeps", () => {
        const ignored = dockerignore();
        const sources = all.flatMap(contextCopies);
        expect(sources.length).to.be.greaterThan(0);
        for (const src of sources) {
          if (file === "console/Dockerfile" && !existsSync(path.join(REPO, "console/package.json")))
            continue;
          expect(existsSync(path.join(REPO, src)), `${src} exists`).to.equal(true);
          expect(ignored(src.replace(/\/$/, "")), `${src} is not in .dockerignore`).to.equal(false);
        }
      });

      it("documents how to build it (a comment with the docker build command)", () => {
        expect(read(file)).to.include(`docker build -f ${file}`);
      });
    });
  }

  for (const image of NODE_IMAGES) {
    describe(`${image.dockerfile} (Node)`, () => {
      const all = load(image.dockerfile);
      const final = finalStage(all);
      const entrypoint = execForm(final.instructions.find((i) => i.keyword === "ENTRYPOINT"));

      it("starts node in exec form on its TypeScript entry point", () => {
        expect(entrypoint, "ENTRYPOINT in exec form (node is PID 1 and gets SIGTERM)").to.be.an(
          "array",
        );
        expect(entrypoint![0]).to.equal("node");
        expect(entrypoint).to.include(image.entry);
      });

      const loader = entrypoint?.[entrypoint.indexOf("--import") + 1];
      const env = final.instructions
        .filter((i) => i.keyword === "ENV")
        .map((i) => i.args)
        .join(" ");
      if (image.loader === "tsx") {
        it("runs it through tsx at the lockfile's tsx version, its disk cache off (the root filesystem is read-only in Kubernetes)", () => {
          expect(loader).to.equal("/opt/tsx/node_modules/tsx/dist/loader.mjs");
          const tsxInstall = all
            .flatMap((s) => s.instructions)
            .find((i) => /npm install .*tsx@/.test(i.args));
          expect(tsxInstall?.args).to.include(`tsx@${lockedVersion("tsx")}`);
          expect(env).to.match(/\bTSX_DISABLE_CACHE=1\b/);
        });
      } else {
        it("runs it through libs/ts-loader, copied with the tsconfig.json it reads; esbuild comes with the workspace's dependencies", () => {
          expect(loader).to.equal("/app/libs/ts-loader/src/register.mjs");
          const copies = contextCopies(final);
          expect(copies).to.include("libs/ts-loader/");
          expect(copies).to.include("tsconfig.json");
          const pkg = JSON.parse(read(`${workspaces().get(image.name)}/package.json`)) as {
            dependencies: Record<string, string>;
          };
          expect(pkg.dependencies).to.have.property("@darkbloom/ts-loader");
          const tsx = all.flatMap((s) => s.instructions).filter((i) => /tsx/.test(i.args));
          expect(tsx, "no tsx in the image").to.deep.equal([]);
        });
      }

      it("uses the Node major the repository runs on", () => {
        const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines
          .node;
        const major = Number(/\d+/.exec(engines)![0]);
        for (const stage of all.filter((s) => s.base.startsWith("node:")))
          expect(Number(/^node:(\d+)/.exec(stage.base)![1]), stage.base).to.equal(major);
        expect(process.versions.node.split(".")[0]).to.equal(String(major));
      });

      it("installs from the lockfile: every workspace package.json copied, npm ci of this workspace only", () => {
        const deps = all.find((s) =>
          s.instructions.some((i) => i.keyword === "RUN" && /npm ci/.test(i.args)),
        );
        expect(deps, "a stage running npm ci").to.not.equal(undefined);
        const copies = new Set(contextCopies(deps!));
        for (const f of ["package.json", "package-lock.json"]) expect(copies, f).to.include(f);
        for (const dir of workspaces().values())
          expect(copies, `${dir}/package.json`).to.include(`${dir}/package.json`);
        const ci = deps!.instructions.find((i) => /npm ci/.test(i.args))!.args;
        expect(ci).to.include(`--workspace ${image.name}`).and.include("--omit=dev");
      });
    });
  }

  // The import-graph checks need the deployable's sources: the coordinator's are here; the
  // operator's entry point arrives with the operator work, and its check runs from then on.
  for (const image of NODE_IMAGES.filter((i) => existsSync(path.join(REPO, i.entry)))) {
    it(`${image.dockerfile} copies exactly the workspaces ${image.entry} reaches, and none of their files is ignored`, () => {
      const final = finalStage(load(image.dockerfile));
      const { imported, declared, files, undeclared } = workspaceClosure(image.entry);
      expect(imported.size).to.be.greaterThan(0);
      const unlinked = [...imported].filter((d) => !declared.has(d));
      expect(
        unlinked,
        "workspaces imported but not in the package.json dependencies (npm ci would not link them)",
      ).to.deep.equal([]);
      expect(
        undeclared,
        "packages imported that npm ci --workspace would not install",
      ).to.deep.equal([]);
      const copied = copiedWorkspaces(final);
      const missing = [...declared].filter((d) => !copied.has(d));
      expect(missing, "workspaces the entry point needs but the image lacks").to.deep.equal([]);
      const extra = [...copied].filter((d) => !declared.has(d));
      expect(extra, "workspaces copied that the entry point never reaches").to.deep.equal([]);
      const ignored = dockerignore();
      expect(files.filter(ignored), "imported files excluded by .dockerignore").to.deep.equal([]);
    });
  }

  it("the coordinator image holds no provider code (no MLX, LAPACK or OpenBLAS needed)", () => {
    const { declared } = workspaceClosure("services/coordinator/src/main.ts");
    expect([...declared]).to.not.include("provider");
    expect(read("services/coordinator/Dockerfile")).to.not.match(/liblapack|openblas|apt-get/);
  });

  it("the import walker finds runtime imports and ignores type-only ones", async () => {
    const { importsOf } = await import("../testing/import-graph.js");
    expect(
      importsOf(
        'import { a } from "./a.js";\nimport type { B } from "@darkbloom/b";\nexport * from "./c.js";\nimport {\n  d,\n} from "@darkbloom/d";\nconst e = await import("./e.js");',
      ),
    ).to.deep.equal(["./a.js", "./c.js", "@darkbloom/d", "./e.js"]);
  });

  it("console/Dockerfile builds the Angular app and serves console/dist/console/browser as a non-root nginx", () => {
    const all = load("console/Dockerfile");
    const build = all.find((s) => s.name === "build")!;
    const runs = build.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(runs.some((r) => r.startsWith("npm ci"))).to.equal(true);
    expect(runs).to.include("npm run build");
    const served = finalStage(all).instructions.find(
      (i) => i.keyword === "COPY" && i.args.includes("--from=build"),
    );
    expect(served?.args).to.equal(
      "--from=build /console/dist/console/browser /usr/share/nginx/html",
    );
    expect(finalStage(all).base).to.match(/^nginxinc\/nginx-unprivileged:/);
    expect(read("console/Dockerfile")).to.include("listen 8080;");
  });

  // The console app is written in parallel (console/): once it exists, its build script and output
  // folder must be the ones the Dockerfile relies on.
  if (existsSync(path.join(REPO, "console/angular.json")))
    it("console/angular.json builds project console into dist/console (browser/ inside)", () => {
      const pkg = JSON.parse(read("console/package.json")) as { scripts: Record<string, string> };
      expect(pkg.scripts.build).to.match(/^ng build/);
      const angular = JSON.parse(read("console/angular.json")) as {
        projects: Record<
          string,
          { architect: { build: { options: { outputPath?: string | { base: string } } } } }
        >;
      };
      const project = angular.projects.console;
      expect(project, "an Angular project named console").to.not.equal(undefined);
      const out = project!.architect.build.options.outputPath;
      const base = typeof out === "string" ? out : (out?.base ?? "dist/console");
      expect(base).to.equal("dist/console");
    });
});
