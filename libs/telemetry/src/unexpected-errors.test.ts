import { execFile } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { createLogger } from "./logger.js";
import { createMetricsRegistry } from "./metrics.js";
import { createUnexpectedErrors, guardProcess } from "./unexpected-errors.js";

function setup(): {
  errors: ReturnType<typeof createUnexpectedErrors>;
  lines: string[];
  count: (source: string) => Promise<number>;
} {
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const lines: string[] = [];
  const errors = createUnexpectedErrors(
    registry,
    createLogger({ level: "error", write: (l) => lines.push(l) }),
  );
  const count = async (source: string): Promise<number> => {
    const metric = await registry.getSingleMetric("darkbloom_unexpected_errors_total")?.get();
    return metric?.values.find((v) => v.labels.source === source)?.value ?? NaN;
  };
  return { errors, lines, count };
}

describe("createUnexpectedErrors", () => {
  it("exports every source at 0 before anything failed", async () => {
    const { count } = setup();
    expect(await count("upgrade")).to.equal(0);
    expect(await count("uncaught_exception")).to.equal(0);
  });

  it("guard: a synchronous throw is counted, logged and handed to onError instead of escaping", async () => {
    const { errors, lines, count } = setup();
    const cleaned: string[] = [];
    const handler = errors.guard(
      "upgrade",
      (path: string) => {
        throw new TypeError(`Invalid URL: ${path}`);
      },
      (path) => cleaned.push(path),
    );
    expect(() => handler("/\\[x")).not.to.throw();
    expect(cleaned).to.deep.equal(["/\\[x"]);
    expect(await count("upgrade")).to.equal(1);
    expect(JSON.parse(lines[0] ?? "{}")).to.include({
      msg: "unexpected error",
      source: "upgrade",
      error: "Invalid URL: /\\[x",
    });
  });

  it("guard: a rejected promise from an async handler is counted too", async () => {
    const { errors, count } = setup();
    let cleaned = false;
    errors.guard(
      "http_request",
      async () => Promise.reject(new Error("late")),
      () => (cleaned = true),
    )();
    await new Promise((r) => setImmediate(r));
    expect(cleaned).to.equal(true);
    expect(await count("http_request")).to.equal(1);
  });

  it("guard: a throwing onError is reported as well, never rethrown", async () => {
    const { errors, count } = setup();
    const handler = errors.guard(
      "websocket_message",
      () => {
        throw new Error("first");
      },
      () => {
        throw new Error("cleanup failed");
      },
    );
    expect(() => handler()).not.to.throw();
    expect(await count("websocket_message")).to.equal(2);
  });

  it("guard: a handler that succeeds is not counted", async () => {
    const { errors, count } = setup();
    let ran = false;
    errors.guard("connection", () => (ran = true))();
    expect(ran).to.equal(true);
    expect(await count("connection")).to.equal(0);
  });
});

describe("guardProcess", () => {
  it("reports uncaught exceptions and unhandled rejections, and uninstalls", async () => {
    const { errors, count } = setup();
    const proc = new EventEmitter();
    const unguard = guardProcess(errors, proc);
    proc.emit("uncaughtException", new Error("boom"));
    proc.emit("unhandledRejection", "nope");
    expect(await count("uncaught_exception")).to.equal(1);
    expect(await count("unhandled_rejection")).to.equal(1);
    unguard();
    expect(proc.listenerCount("uncaughtException")).to.equal(0);
    expect(proc.listenerCount("unhandledRejection")).to.equal(0);
  });

  it("keeps a real process alive through a throw in a timer and a stray rejection", async function () {
    this.timeout(20_000);
    const script = fileURLToPath(new URL("./fixtures/guarded-process.ts", import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", script], (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
      ),
    );
    expect(stdout).to.include('darkbloom_unexpected_errors_total{source="uncaught_exception"} 1');
    expect(stdout).to.include('darkbloom_unexpected_errors_total{source="unhandled_rejection"} 1');
  });
});
