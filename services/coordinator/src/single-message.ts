import { createAsyncIterable } from "@connectrpc/connect/protocol";

/**
 * A request stream of exactly one message, as a server-streaming call sends it. A wire
 * transport iterates it as Connect's own client would give it (createAsyncIterable); the
 * in-process transport takes `message` as is, without the iteration (an async generator's
 * promises per call).
 */
export class SingleMessage<T> implements AsyncIterable<T> {
  constructor(readonly message: T) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return createAsyncIterable([this.message])[Symbol.asyncIterator]();
  }
}
