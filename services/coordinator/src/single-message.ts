/**
 * A request stream of exactly one message, as a server-streaming call sends it. Any transport
 * can iterate it; the in-process transport takes `message` as is, without the iteration (an
 * async generator's promises per call).
 */
export class SingleMessage<T> implements AsyncIterable<T> {
  constructor(readonly message: T) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    let sent = false;
    return {
      next: (): Promise<IteratorResult<T>> => {
        const r: IteratorResult<T> = sent
          ? { done: true, value: undefined }
          : { done: false, value: this.message };
        sent = true;
        return Promise.resolve(r);
      },
    };
  }
}
