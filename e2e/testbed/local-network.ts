/* eslint-disable mocha/no-top-level-hooks -- useLocalNetwork is called inside a describe block, so its hooks belong to that suite. */
import OpenAI from "openai";
import { TEST_MODEL_ID } from "./test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "./testbed.js";

/** One coordinator (own embedded Postgres) and one provider serving the test model. */
export interface LocalNetwork {
  readonly coordinator: RunningCoordinator;
  readonly provider: RunningProvider;
  /** The official openai client on the coordinator's admin key, without retries. */
  readonly client: OpenAI;
}

/**
 * Registers before/after hooks in the enclosing describe block that bring the local network up
 * and tear it down (even when a test or the start itself fails). The returned object's fields
 * are readable from inside tests.
 */
export function useLocalNetwork(coordinatorEnv: Record<string, string> = {}): LocalNetwork {
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let client: OpenAI | undefined;
  before(async function () {
    this.timeout(180_000);
    coordinator = await startCoordinator(coordinatorEnv);
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
    });
  });
  after(async function () {
    this.timeout(60_000);
    await provider?.stop();
    await coordinator?.stop();
  });
  const up = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the local network's ${what} is not running`);
    return value;
  };
  return {
    get coordinator() {
      return up(coordinator, "coordinator");
    },
    get provider() {
      return up(provider, "provider");
    },
    get client() {
      return up(client, "client");
    },
  };
}
