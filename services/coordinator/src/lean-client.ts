import type { DescService } from "@bufbuild/protobuf";
import {
  createClient,
  type CallOptions,
  type Client,
  type StreamResponse,
  type Transport,
} from "@connectrpc/connect";
import { SingleMessage } from "./single-message.js";

/**
 * `createClient`, except that a server-streaming call hands back the transport's own message
 * stream instead of Connect's wrapper around it (a downlevelled async generator costing several
 * promises per message — per relayed chunk on the edge's Infer stream and on a peer's
 * ForwardInfer stream). As Connect's, the stream offers `next` only: the caller ends a call early
 * through its signal. A unary call is the transport's promise and one reaction (Connect's is an
 * async function around it: a request's hold, reserve and settlements each paid its promises).
 * Client and bidi streams are Connect's own.
 */
export function createLeanClient<T extends DescService>(
  service: T,
  transport: Transport,
): Client<T> {
  const client = createClient(service, transport) as Record<string, unknown>;
  for (const method of service.methods) {
    if (method.methodKind === "unary") {
      client[method.localName] = (input: unknown, options?: CallOptions) =>
        transport
          .unary(
            method as never,
            options?.signal,
            options?.timeoutMs,
            options?.headers,
            input as never,
            options?.contextValues,
          )
          .then((r) => {
            options?.onHeader?.(r.header);
            options?.onTrailer?.(r.trailer);
            return r.message;
          });
      continue;
    }
    if (method.methodKind !== "server_streaming") continue;
    client[method.localName] = (input: unknown, options?: CallOptions) =>
      messages(
        transport.stream(
          method as never,
          options?.signal,
          options?.timeoutMs,
          options?.headers,
          new SingleMessage(input as never),
          options?.contextValues,
        ),
        options,
      );
  }
  return client as Client<T>;
}

function messages(
  response: Promise<StreamResponse<never, never>>,
  options: CallOptions | undefined,
): AsyncIterable<unknown> {
  let it: AsyncIterator<unknown> | undefined;
  let trailer: Headers | undefined;
  const next = (): Promise<IteratorResult<unknown>> => {
    if (!it) {
      return response.then((r) => {
        options?.onHeader?.(r.header);
        trailer = r.trailer;
        it = (r.message as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        return next();
      });
    }
    if (!options?.onTrailer) return it.next();
    return it.next().then((r) => {
      if (r.done && trailer) options.onTrailer?.(trailer);
      return r;
    });
  };
  return { [Symbol.asyncIterator]: () => ({ next }) };
}
