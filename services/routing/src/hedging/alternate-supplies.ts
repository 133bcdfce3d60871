import { Code, ConnectError } from "@connectrpc/connect";

/** An alternate's body as its caller sealed it (one entry of InferRequest.alternates). */
export interface SealedCopy {
  senderPublicKey: Uint8Array;
  encryptedBody: Uint8Array;
}

interface Wanted {
  resolve: (copy: SealedCopy | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * One running request's alternates that are sealed on demand: `want` asks (the relay then tells
 * the caller), the caller answers through SupplyAlternate (`supply`), and a want not answered
 * within the bound resolves undefined. `end` gives up on every pending want and forgets the
 * request, so no timer outlives it.
 */
export class RequestSupplies {
  readonly #wanted = new Map<string, Wanted>();

  constructor(
    private readonly owner: AlternateSupplies,
    readonly requestId: string,
    private readonly timeoutMs: number,
    /** The primary's sealed body length: every copy of the same body has it. */
    readonly bodyBytes: number,
  ) {}

  /** Resolves the copy supplied for `providerId`, or undefined if none came in time. */
  want(providerId: string): Promise<SealedCopy | undefined> {
    this.#wanted.get(providerId)?.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle(providerId, undefined), this.timeoutMs);
      this.#wanted.set(providerId, { resolve, timer });
    });
  }

  /** False when no body is awaited from that provider (never asked, supplied, or given up). */
  supply(providerId: string, copy: SealedCopy): boolean {
    return this.#settle(providerId, copy);
  }

  end(): void {
    for (const providerId of [...this.#wanted.keys()]) this.#settle(providerId, undefined);
    this.owner.forget(this);
  }

  #settle(providerId: string, copy: SealedCopy | undefined): boolean {
    const w = this.#wanted.get(providerId);
    if (!w) return false;
    this.#wanted.delete(providerId);
    clearTimeout(w.timer);
    w.resolve(copy);
    return true;
  }
}

/** The requests of this replica that may ask their caller for an alternate's body. */
export class AlternateSupplies {
  readonly #requests = new Map<string, RequestSupplies>();

  /** Starts a request's wants; AlreadyExists while another Infer of that request id runs. */
  begin(requestId: string, timeoutMs: number, bodyBytes: number): RequestSupplies {
    if (this.#requests.has(requestId))
      throw new ConnectError(
        `request ${requestId} is already running with alternates on demand`,
        Code.AlreadyExists,
      );
    const r = new RequestSupplies(this, requestId, timeoutMs, bodyBytes);
    this.#requests.set(requestId, r);
    return r;
  }

  /** SupplyAlternate: hands the copy to the request that asked for it, or refuses (nothing changes). */
  supply(requestId: string, providerId: string, copy: SealedCopy): void {
    const r = this.#requests.get(requestId);
    if (!r)
      throw new ConnectError(
        `no request ${requestId} is running here (unknown or finished)`,
        Code.NotFound,
      );
    // The relay meters the prompt by the primary's body length (a copy of another body is not one)
    if (copy.encryptedBody.length !== r.bodyBytes)
      throw new ConnectError(
        `the body for ${providerId} is ${copy.encryptedBody.length} bytes, the request's is ${r.bodyBytes}`,
        Code.InvalidArgument,
      );
    if (!r.supply(providerId, copy))
      throw new ConnectError(
        `request ${requestId} awaits no body for provider ${providerId}`,
        Code.FailedPrecondition,
      );
  }

  /** Requests running with alternates on demand (a test's leak check). */
  get size(): number {
    return this.#requests.size;
  }

  forget(r: RequestSupplies): void {
    if (this.#requests.get(r.requestId) === r) this.#requests.delete(r.requestId);
  }
}
