import { expect } from "chai";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  createServiceImplSpec,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import { LedgerService, RoutingService, type InferResponse } from "@darkbloom/proto";
import { createInProcessTransport } from "./in-process-transport.js";
import { createLeanClient } from "./lean-client.js";

function transportFor(
  routing: Partial<ServiceImpl<typeof RoutingService>>,
  ledger: Partial<ServiceImpl<typeof LedgerService>> = {},
) {
  return createInProcessTransport(
    [
      createServiceImplSpec<typeof RoutingService>(RoutingService, routing),
      createServiceImplSpec<typeof LedgerService>(LedgerService, ledger),
    ],
    createRouterTransport(() => undefined),
  );
}

// Every case through Connect's own client and through the one the coordinator gives the edge.
for (const [clientName, makeClient] of [
  ["createClient", createClient],
  ["createLeanClient", createLeanClient],
] as const) {
  describe(`in-process transport (${clientName})`, () => {
    it("hands messages over without a copy and fills defaults of init shapes", async () => {
      let seen: Uint8Array | undefined;
      const payload = new Uint8Array([1, 2, 3]);
      const routing = makeClient(
        RoutingService,
        transportFor({
          reserve: () => ({ reservationId: "r1", providerPublicKey: payload }),
          async *infer(req) {
            seen = await Promise.resolve(req.encryptedBody);
            yield { kind: { case: "chunk", value: { encryptedPayload: payload, tokenCount: 1 } } };
          },
        }),
      );
      const reserved = await routing.reserve({ requestId: "x" });
      expect(reserved.reservationId).to.equal("r1");
      expect(reserved.providerId).to.equal("");
      expect(reserved.providerPublicKey).to.equal(payload);
      const body = new Uint8Array([9]);
      const out: InferResponse[] = [];
      for await (const ev of routing.infer({ encryptedBody: body })) out.push(ev);
      expect(seen).to.equal(body);
      expect(out).to.have.length(1);
      expect(out[0]?.kind.case === "chunk" && out[0].kind.value.encryptedPayload).to.equal(payload);
    });

    it("errors reach the caller as ConnectError; a plain Error as Internal", async () => {
      const routing = makeClient(
        RoutingService,
        transportFor({
          reserve: () => {
            throw new ConnectError("no provider", Code.NotFound);
          },
          async *infer() {
            await Promise.resolve();
            throw new Error("boom");
          },
        }),
      );
      const err = await routing.reserve({}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ConnectError).with.property("code", Code.NotFound);
      const streamErr = await (async () => {
        for await (const _ of routing.infer({})) void _;
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(streamErr).to.be.instanceOf(ConnectError).with.property("code", Code.Internal);
    });

    it("a caller's abort ends the stream with Canceled and runs the implementation's cleanup", async () => {
      let ctxSignal: AbortSignal | undefined;
      let cleanedUp = false;
      const routing = makeClient(
        RoutingService,
        transportFor({
          async *infer(_req, ctx: HandlerContext) {
            ctxSignal = ctx.signal;
            try {
              yield { kind: { case: "started", value: { providerId: "p" } } };
              if (!ctx.signal.aborted)
                await new Promise<void>((resolve) =>
                  ctx.signal.addEventListener("abort", () => resolve()),
                );
            } finally {
              cleanedUp = true;
            }
          },
        }),
      );
      const abort = new AbortController();
      const got: string[] = [];
      const err = await (async () => {
        for await (const ev of routing.infer({}, { signal: abort.signal })) {
          got.push(ev.kind.case ?? "");
          abort.abort();
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(got).to.deep.equal(["started"]);
      expect(err).to.be.instanceOf(ConnectError).with.property("code", Code.Canceled);
      expect(ctxSignal?.aborted).to.equal(true);
      await new Promise((r) => setImmediate(r));
      expect(cleanedUp).to.equal(true);
    });

    it("the handler's signal aborts once a unary call is answered", async () => {
      let ctxSignal: AbortSignal | undefined;
      const ledger = makeClient(
        LedgerService,
        transportFor(
          {},
          {
            getBalance: (_req, ctx) => {
              ctxSignal = ctx.signal;
              return { balanceMicroUsd: 5n };
            },
          },
        ),
      );
      expect((await ledger.getBalance({ accountId: "a" })).balanceMicroUsd).to.equal(5n);
      expect(ctxSignal?.aborted).to.equal(true);
    });
  });

  describe(`in-process transport, a caller that stops reading (${clientName})`, () => {
    it("the implementation still runs to its end after the last message the caller read", async () => {
      let finished = false;
      const routing = makeClient(
        RoutingService,
        transportFor({
          async *infer() {
            try {
              yield { kind: { case: "complete", value: {} } };
              await Promise.resolve();
            } finally {
              finished = true;
            }
          },
        }),
      );
      for await (const ev of routing.infer({})) if (ev.kind.case === "complete") break;
      await new Promise((r) => setImmediate(r));
      expect(finished).to.equal(true);
    });
  });
}

describe("in-process transport, the handler context", () => {
  it("a deadline aborts the handler's signal with DeadlineExceeded", async () => {
    const ledger = createClient(
      LedgerService,
      transportFor(
        {},
        {
          getBalance: async (_req, ctx) => {
            expect(ctx.timeoutMs()).to.be.a("number");
            await new Promise<void>((resolve) =>
              ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
            );
            throw ctx.signal.reason;
          },
        },
      ),
    );
    const err = await ledger.getBalance({}, { timeoutMs: 5 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectError).with.property("code", Code.DeadlineExceeded);
  });

  it("a caller already aborted is refused with Canceled before the implementation runs", async () => {
    let ran = false;
    const ledger = createClient(
      LedgerService,
      transportFor({}, { getBalance: () => ((ran = true), { balanceMicroUsd: 1n }) }),
    );
    const abort = new AbortController();
    abort.abort();
    const err = await ledger.getBalance({}, { signal: abort.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectError).with.property("code", Code.Canceled);
    expect(ran).to.equal(false);
  });

  it("the caller's abort reaches a running unary implementation with its reason", async () => {
    const abort = new AbortController();
    const ledger = createClient(
      LedgerService,
      transportFor(
        {},
        {
          getBalance: async (_req, ctx) => {
            const reason = new Promise<unknown>((resolve) =>
              ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason)),
            );
            abort.abort(new ConnectError("client left", Code.Canceled));
            throw await reason;
          },
        },
      ),
    );
    const err = await ledger.getBalance({}, { signal: abort.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectError).with.property("rawMessage", "client left");
  });

  it("request headers reach the implementation; its response headers reach the caller (both clients)", async () => {
    for (const makeClient of [createClient, createLeanClient]) {
      let seen: string | null = null;
      let ctxRef: HandlerContext | undefined;
      const ledger = makeClient(
        LedgerService,
        transportFor(
          {},
          {
            getBalance: (_req, ctx) => {
              seen = ctx.requestHeader.get("x-test");
              ctx.responseHeader.set("x-answer", "42");
              ctx.responseTrailer.set("x-trailer", "t");
              ctxRef = ctx;
              return {};
            },
          },
        ),
      );
      let header: string | null = null;
      let trailer: string | null = null;
      await ledger.getBalance(
        {},
        {
          headers: { "x-test": "yes" },
          onHeader: (h) => (header = h.get("x-answer")),
          onTrailer: (t) => (trailer = t.get("x-trailer")),
        },
      );
      expect([seen, header, trailer]).to.deep.equal(["yes", "42", "t"]);
      // a signal first read after the call ended is already aborted
      const late = ctxRef?.signal;
      expect(late?.aborted).to.equal(true);
    }
  });
});
