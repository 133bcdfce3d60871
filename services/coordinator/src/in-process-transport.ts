import { create, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createHandlerContext,
  type ContextValues,
  type MethodImplSpec,
  type ServiceImplSpec,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";

/**
 * The coordinator's own services called from inside the process without the wire: unary and
 * server-streaming methods run their implementation directly with the message objects (no
 * protobuf encoding, envelopes, pipes or copies — a relayed chunk's ciphertext reaches the edge
 * as the very bytes the gateway decoded). Everything else (client and bidi streams) goes through
 * `fallback` (a Connect router transport). Semantics kept from the router transport: request
 * init shapes become messages, any error reaches the caller as a ConnectError (a non-Connect one
 * as Internal), the handler context's signal follows the caller's signal and aborts when the call
 * ends; an aborted caller's stream ends with Canceled.
 */
export function createInProcessTransport(
  services: readonly ServiceImplSpec[],
  fallback: Transport,
): Transport {
  const specs = new Map<DescMethod, { service: ServiceImplSpec; spec: MethodImplSpec }>();
  for (const s of services)
    for (const spec of Object.values(s.methods)) specs.set(spec.method, { service: s, spec });

  const context = (
    service: ServiceImplSpec,
    method: DescMethod,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: unknown,
    contextValues: ContextValues | undefined,
  ): ReturnType<typeof createHandlerContext> =>
    createHandlerContext({
      service: service.service,
      method,
      protocolName: "in-process",
      requestMethod: "POST",
      url: `/${service.service.typeName}/${method.name}`,
      timeoutMs,
      requestSignal: signal,
      requestHeader: header as never,
      contextValues,
    });

  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const found = specs.get(method);
      if (found?.spec.kind !== "unary")
        return fallback.unary(method, signal, timeoutMs, header, input, contextValues);
      const { service, spec } = found;
      const ctx = context(service, method, signal, timeoutMs, header, contextValues);
      try {
        if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason, Code.Canceled);
        const out = await spec.impl(create(method.input, input), ctx);
        return {
          stream: false,
          service: service.service,
          method,
          header: ctx.responseHeader,
          message: create(method.output, out as never),
          trailer: ctx.responseTrailer,
        } as unknown as UnaryResponse<never, never>;
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
      const { service, spec } = found;
      let request: unknown;
      for await (const m of input) {
        request = m;
        break;
      }
      const ctx = context(service, method, signal, timeoutMs, header, contextValues);
      return {
        stream: true,
        service: service.service,
        method,
        header: ctx.responseHeader,
        trailer: ctx.responseTrailer,
        message: relay(
          method.output,
          () => spec.impl(create(method.input, request as never), ctx),
          ctx,
        ),
      } as unknown as StreamResponse<never, never>;
    },
  };
}

/** The implementation's messages as the caller's stream: errors as ConnectError, abort → Canceled. */
async function* relay(
  output: DescMessage,
  start: () => AsyncIterable<unknown>,
  ctx: ReturnType<typeof createHandlerContext>,
): AsyncGenerator<unknown> {
  let it: AsyncIterator<unknown> | undefined;
  // The wait for the next message is rejected by an abort. One fresh promise per wait: racing
  // each message against one long-lived "aborted" promise would pile a reaction on it per message.
  let interrupt: ((err: unknown) => void) | undefined;
  const canceled = (): ConnectError => ConnectError.from(ctx.signal.reason, Code.Canceled);
  const onAbort = (): void => interrupt?.(canceled());
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    it = start()[Symbol.asyncIterator]();
    // One message of read-ahead, as a pipe's buffer gives: a caller that stops reading after the
    // last message it needs (the edge stops at `complete`) still lets the implementation run to
    // its end and its cleanup.
    let next = it.next();
    for (;;) {
      if (ctx.signal.aborted) throw canceled();
      const pending = next;
      const r = await new Promise<IteratorResult<unknown>>((resolve, reject) => {
        interrupt = reject;
        pending.then(resolve, reject);
      });
      interrupt = undefined;
      if (r.done) return;
      next = it.next();
      next.catch(() => undefined);
      yield create(output as never, r.value as never);
    }
  } catch (err) {
    throw ConnectError.from(err, Code.Internal);
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    ctx.abort();
    // The implementation's own cleanup (e.g. cancelling the provider) runs when it is left early.
    void it?.return?.()?.catch(() => undefined);
  }
}
