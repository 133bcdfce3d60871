import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type ContextValues,
  type HandlerContext,
} from "@connectrpc/connect";

/** The method a context belongs to, with its path computed once per method. */
export interface MethodTarget {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly url: string;
}

/**
 * Why a handler's signal aborts once its call is over: one shared reason. (Connect's handler
 * context makes a fresh DOMException, stack trace included, at the end of every call.)
 */
const CALL_ENDED = new DOMException("This operation was aborted", "AbortError");

/**
 * A handler context as Connect's `createHandlerContext` makes it, made lazily: the signal (an
 * AbortController linked to the caller's signal and to the deadline), the header objects and the
 * context values exist only once the implementation reads them. Same semantics: the signal
 * follows the caller's signal (with its reason) and the deadline (DeadlineExceeded), and aborts
 * when the call ends (`abort`); a signal first read after the end is already aborted.
 */
export class InProcessContext implements HandlerContext {
  readonly protocolName = "in-process";
  readonly requestMethod = "POST";
  readonly service: DescService;
  readonly method: DescMethod;
  readonly url: string;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #header: unknown;
  readonly #contextValues: ContextValues | undefined;
  readonly #deadlineAt: number | undefined;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ended: unknown;
  #isEnded = false;
  #requestHeader: Headers | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;
  #values: ContextValues | undefined;
  #listening = false;

  constructor(
    target: MethodTarget,
    callerSignal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: unknown,
    contextValues: ContextValues | undefined,
  ) {
    this.service = target.service;
    this.method = target.method;
    this.url = target.url;
    this.#callerSignal = callerSignal;
    this.#header = header;
    this.#contextValues = contextValues;
    if (timeoutMs !== undefined) {
      this.#deadlineAt = Date.now() + timeoutMs;
      // A deadline needs its timer from the start: the signal exists at once.
      const controller = this.#link();
      if (timeoutMs <= 0) controller.abort(timedOut());
      else this.#timer = setTimeout(() => controller.abort(timedOut()), timeoutMs);
    }
  }

  /** Whether the call is refused before its implementation runs (caller aborted, no time left). */
  abortedAtStart(): boolean {
    return this.#callerSignal?.aborted === true || this.#controller?.signal.aborted === true;
  }

  get signal(): AbortSignal {
    return (this.#controller ?? this.#link()).signal;
  }

  /** A method, not a closure per call (nothing here takes it off its context). */
  timeoutMs(): number | undefined {
    return this.#deadlineAt === undefined ? undefined : this.#deadlineAt - Date.now();
  }

  get requestHeader(): Headers {
    return (this.#requestHeader ??= new Headers(this.#header as never));
  }

  get responseHeader(): Headers {
    return (this.#responseHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.#responseTrailer ??= new Headers());
  }

  get values(): ContextValues {
    return (this.#values ??= this.#contextValues ?? createContextValues());
  }

  /** The call is over: the signal (if anyone holds it) aborts, the deadline's timer stops. */
  abort(reason?: unknown): void {
    if (this.#isEnded) return;
    this.#isEnded = true;
    this.#ended = reason ?? CALL_ENDED;
    clearTimeout(this.#timer);
    const controller = this.#controller;
    if (controller === undefined) return;
    if (this.#listening) this.#callerSignal?.removeEventListener("abort", this);
    if (!controller.signal.aborted) controller.abort(this.#ended);
  }

  #link(): AbortController {
    const controller = (this.#controller = new AbortController());
    const caller = this.#callerSignal;
    if (caller?.aborted) controller.abort(reasonOf(caller));
    else if (this.#isEnded) controller.abort(this.#ended);
    else if (caller !== undefined) {
      this.#listening = true;
      caller.addEventListener("abort", this, { once: true });
    }
    return controller;
  }

  /** The caller's signal aborted (this context is its listener: no closure per call). */
  handleEvent(): void {
    const controller = this.#controller;
    if (controller && !controller.signal.aborted)
      controller.abort(reasonOf(this.#callerSignal as AbortSignal));
  }
}

function timedOut(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}

/** An aborted signal's reason (an AbortError when it has none), as Connect's helper gives it. */
function reasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
