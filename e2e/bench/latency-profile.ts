import { readFile, writeFile } from "node:fs/promises";
import OpenAI from "openai";
import type { FakeProvider } from "@darkbloom/testing";
import { runLoad } from "../load/load-generator.js";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningProvider,
} from "../testbed/testbed.js";
import { EventBus } from "../testbed/timing/event-bus.js";
import { diffToMarkdown, profileToMarkdown } from "../testbed/timing/markdown.js";
import { SegmentCollector, type LatencyProfile } from "../testbed/timing/segment-collector.js";

export interface ProfileOptions {
  label: string;
  /** 0: one real provider process with the test model; N > 0: N fake providers. */
  fakeProviders: number;
  concurrency: number;
  requests: number;
  maxTokens: number;
  /** Where to write the JSON profile (optional). */
  outPath?: string;
}

/** Runs a closed-loop load and returns the per-segment profile (X-Timing + client timestamps). */
export async function latencyProfile(
  o: ProfileOptions,
): Promise<{ profile: LatencyProfile; markdown: string }> {
  const coordinator = await startCoordinator({ LOG_LEVEL: "error" });
  let provider: RunningProvider | undefined;
  let fakes: FakeProvider[] = [];
  try {
    if (o.fakeProviders > 0)
      fakes = await startFakeFleet(coordinator.url, o.fakeProviders, [TEST_MODEL_ID]);
    else {
      provider = await startProvider(coordinator.url);
      await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    }
    const bus = new EventBus();
    const segments = new SegmentCollector();
    bus.subscribe(segments.collect);
    await runLoad(
      {
        mode: "closed",
        concurrency: o.concurrency,
        maxRequests: o.requests,
        maxDurationMs: 600_000,
        streamShare: 0.5,
        models: [TEST_MODEL_ID],
        maxTokens: o.maxTokens,
        clients: [
          new OpenAI({
            baseURL: `${coordinator.url}/v1`,
            apiKey: coordinator.apiKey,
            maxRetries: 0,
            timeout: 300_000,
          }),
        ],
        runId: `profile-${Date.now()}`,
        // Raw SSE reading: streams contribute every server phase from the closing x-timing.
        streamReader: "raw",
      },
      bus,
    );
    const profile = segments.profile(o.label);
    if (o.outPath) await writeFile(o.outPath, `${JSON.stringify(profile, null, 2)}\n`);
    return { profile, markdown: profileToMarkdown(profile) };
  } finally {
    await Promise.all(fakes.map((f) => f.close()));
    await provider?.stop();
    await coordinator.stop();
  }
}

/** Compares two saved profiles (before/after a change). */
export async function diffProfiles(beforePath: string, afterPath: string): Promise<string> {
  const read = async (p: string): Promise<LatencyProfile> =>
    JSON.parse(await readFile(p, "utf8")) as LatencyProfile;
  return diffToMarkdown(await read(beforePath), await read(afterPath));
}
