import { create, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type MethodImplSpec,
  type ServiceImplSpec,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import { InProcessContext, type MethodTarget } from "./in-process-context.js";
import { SingleMessage } from "./single-message.js";

type Found = MethodTarget & { readonly spec: MethodImplSpec };

/**
 * The coordinator's own services called from inside the process without the wire: unary and
 * server-streaming methods run their implementation directly with the message objects (no
 * protobuf encoding, envelopes, pipes or copies — a relayed chunk's ciphertext reaches the edge
 * as the very bytes the gateway decoded). Everything else (client and bidi streams) goes through
 * `fallback` (a Connect router transport). Semantics kept from the router transport: request
 * init shapes become messages, any error reaches the caller as a ConnectError (a non-Connect one
 * as Internal), the handler context's signal follows the caller's signal and the deadline and
 * aborts when the call ends; an aborted caller's stream ends with Canceled. The handler context
 * is built lazily (in-process-context.ts): a call whose implementation never reads its signal or
 * headers allocates neither.
 */
export function createInProcessTransport(
  services: readonly ServiceImplSpec[],
  fallback: Transport,
): Transport {
  const specs = new Map<DescMethod, Found>();
  for (const s of services)
    for (const spec of Object.values(s.methods))
      specs.set(spec.method, {
        service: s.service,
        method: spec.method,
        url: `/${s.service.typeName}/${spec.method.name}`,
        spec,
      });

  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const found = specs.get(method);
      if (found?.spec.kind !== "unary")
        return fallback.unary(method, signal, timeoutMs, header, input, contextValues);
      const ctx = new InProcessContext(found, signal, timeoutMs, header, contextValues);
      try {
        if (ctx.abortedAtStart()) throw ConnectError.from(ctx.signal.reason, Code.Canceled);
        const out = await found.spec.impl(create(method.input, input), ctx);
        return new InProcessResponse(
          found,
          ctx,
          false,
          create(method.output, out as never),
        ) as unknown as UnaryResponse<never, never>;
      } catch (err) {
        throw ConnectError.from(err, Code.Internal);
      } finally {
        ctx.abort();
      }
    },

    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const found = specs.get(method);
      if (found?.spec.kind !== "server_streaming")
        return fallback.stream(method, signal, timeoutMs, header, input, contextValues);
      const impl = found.spec.impl;
      const request: unknown =
        input instanceof SingleMessage ? input.message : await firstOf(input);
      const ctx = new InProcessContext(found, signal, timeoutMs, header, contextValues);
      return new InProcessResponse(
        found,
        ctx,
        true,
        new Relay(method.output, () => impl(create(method.input, request as never), ctx), ctx),
      ) as unknown as StreamResponse<never, never>;
    },
  };
}

async function firstOf(input: AsyncIterable<unknown>): Promise<unknown> {
  for await (const m of input) return m;
  return undefined;
}

/** The call's response; its headers are the context's, made only if the caller reads them. */
class InProcessResponse {
  readonly service: DescService;
  readonly method: DescMethod;

  constructor(
    found: Found,
    private readonly ctx: InProcessContext,
    readonly stream: boolean,
    readonly message: unknown,
  ) {
    this.service = found.service;
    this.method = found.method;
  }

  get header(): Headers {
    return this.ctx.responseHeader;
  }

  get trailer(): Headers {
    return this.ctx.responseTrailer;
  }
}

interface Waiter {
  resolve(r: IteratorResult<unknown>): void;
  reject(err: ConnectError): void;
}

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined });
const ignore = (): void => undefined;

/**
 * The implementation's messages as the caller's stream: errors as ConnectError, abort →
 * Canceled, the implementation started at the first `next`. One message of read-ahead, as a
 * pipe's buffer gives: a caller that stops reading after the last message it needs (the edge
 * stops at `complete`) still lets the implementation run to its end and its cleanup. One
 * promise and one reaction per message (an async generator racing each wait against the abort
 * cost several).
 */
class Relay implements AsyncIterableIterator<unknown> {
  #it: AsyncIterator<unknown> | undefined;
  #done = false;
  /** The read-ahead result that arrived before the caller asked for it. */
  #buffered: { ok: IteratorResult<unknown> } | { err: unknown } | undefined;
  #waiter: Waiter | undefined;
  #signal: AbortSignal | undefined;

  constructor(
    private readonly output: DescMessage,
    private readonly start: () => AsyncIterable<unknown>,
    private readonly ctx: InProcessContext,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#done) return Promise.resolve(DONE);
    try {
      if (this.#it === undefined) {
        this.#signal = this.ctx.signal;
        this.#signal.addEventListener("abort", this, { once: true });
        this.#it = this.start()[Symbol.asyncIterator]();
        this.#readAhead();
      }
      if ((this.#signal as AbortSignal).aborted) throw this.#canceled();
    } catch (err) {
      return Promise.reject(this.#failure(err));
    }
    const buffered = this.#buffered;
    if (buffered !== undefined) {
      this.#buffered = undefined;
      if ("err" in buffered) return Promise.reject(this.#failure(buffered.err));
      try {
        return Promise.resolve(this.#take(buffered.ok));
      } catch (err) {
        return Promise.reject(ConnectError.from(err, Code.Internal));
      }
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** The caller leaves early (Connect's client, when its consumer stops iterating). */
  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.#finish();
    this.#takeWaiter()?.resolve(DONE);
    return Promise.resolve({ done: true, value });
  }

  #readAhead(): void {
    (this.#it as AsyncIterator<unknown>).next().then(this.#onResult, this.#onError);
  }

  readonly #onResult = (r: IteratorResult<unknown>): void => {
    if (this.#done) return;
    const waiter = this.#takeWaiter();
    if (waiter === undefined) {
      this.#buffered = { ok: r };
      return;
    }
    let out: IteratorResult<unknown>;
    try {
      out = this.#take(r);
    } catch (err) {
      waiter.reject(err as ConnectError);
      return;
    }
    waiter.resolve(out);
  };

  readonly #onError = (err: unknown): void => {
    if (this.#done) return;
    const waiter = this.#takeWaiter();
    if (waiter === undefined) this.#buffered = { err };
    else waiter.reject(this.#failure(err));
  };

  /** The call's signal aborted (this relay is its listener). */
  handleEvent(): void {
    if (this.#done) return;
    this.#takeWaiter()?.reject(this.#failure(this.#canceled()));
  }

  #takeWaiter(): Waiter | undefined {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    return waiter;
  }

  /** A message for the caller (and the next read-ahead); throws, finished, on a failure. */
  #take(r: IteratorResult<unknown>): IteratorResult<unknown> {
    if (r.done) {
      this.#finish();
      return DONE;
    }
    let value: unknown;
    try {
      value = create(this.output as never, r.value as never);
    } catch (err) {
      throw this.#failure(err);
    }
    this.#readAhead();
    return { done: false, value };
  }

  /** The call's end by an error, as the caller sees it. */
  #failure(err: unknown): ConnectError {
    this.#finish();
    return ConnectError.from(err, Code.Internal);
  }

  #canceled(): ConnectError {
    return ConnectError.from(this.ctx.signal.reason, Code.Canceled);
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#buffered = undefined;
    this.#signal?.removeEventListener("abort", this);
    this.ctx.abort();
    // The implementation's own cleanup (e.g. cancelling the provider) runs when it is left early.
    try {
      void this.#it?.return?.()?.catch(ignore);
    } catch {
      // a synchronous throw of the implementation's return: nothing left to clean up
    }
  }
}
