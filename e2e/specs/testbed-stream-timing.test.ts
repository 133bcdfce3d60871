import { expect } from "chai";
import OpenAI from "openai";
import { readSse, type SseItem } from "../load/sse-reader.js";
import { sendChat } from "../load/send-chat.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { EventBus } from "../testbed/timing/event-bus.js";
import { SegmentCollector } from "../testbed/timing/segment-collector.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

const streamOf = (parts: readonly string[]): ReadableStream<Uint8Array> => {
  const bytes = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(bytes.encode(p));
      controller.close();
    },
  });
};

const collect = async (parts: readonly string[]): Promise<SseItem[]> => {
  const items: SseItem[] = [];
  for await (const item of readSse(streamOf(parts))) items.push(item);
  return items;
};

describe("testbed instrumentation: readSse", () => {
  it("reads events and comments split anywhere across network reads", async () => {
    const wire =
      'data: {"a":1}\n\n: keep-alive\n\nevent: x\ndata: one\ndata: two\n\n: x-timing t;dur=1\n\n';
    const whole = await collect([wire]);
    expect(whole).to.deep.equal([
      { kind: "data", data: '{"a":1}' },
      { kind: "comment", text: "keep-alive" },
      { kind: "data", data: "one\ntwo", event: "x" },
      { kind: "comment", text: "x-timing t;dur=1" },
    ]);
    // Byte by byte (a read boundary inside every line) gives the same items.
    expect(await collect(wire.split(""))).to.deep.equal(whole);
  });

  it("accepts CRLF line ends and a last event without its blank line", async () => {
    expect(await collect(["data: x\r\n\r\ndata: [DO", "NE]"])).to.deep.equal([
      { kind: "data", data: "x" },
      { kind: "data", data: "[DONE]" },
    ]);
  });
});

describe("testbed instrumentation: server segments of streamed requests", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ users: 1, fakeProvidersPerCoordinator: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("reads the closing x-timing comment with the raw reader, which the official client drops", async () => {
    if (!cluster) throw new Error("no cluster");
    const client = new OpenAI({
      baseURL: `${cluster.coordinators[0]?.url}/v1`,
      apiKey: cluster.users[0]?.apiKey ?? "",
      maxRetries: 0,
      timeout: 20_000,
    });
    const bus = new EventBus();
    const segments = new SegmentCollector();
    bus.subscribe(segments.collect);
    const job = { model: TEST_MODEL_ID, prompt: "time me", maxTokens: 8, stream: true };
    const official = await sendChat(client, { ...job, requestId: "timing-official" }, bus);
    const raw = await sendChat(
      client,
      { ...job, requestId: "timing-raw", streamReader: "raw" },
      bus,
    );

    // Same answer, same accounting either way.
    expect(raw.error).to.equal(undefined);
    expect(raw.text).to.equal(official.text).and.not.equal("");
    expect(raw.usage).to.deep.equal(official.usage);
    expect(raw.finishReason).to.equal("stop");
    expect(raw.chunkMs).to.have.length(official.chunkMs.length);
    // Headers go out when the provider accepts: phases after that come only in the trailer.
    const names = (r: typeof raw): string[] => r.server.map((e) => e.name);
    expect(names(official)).to.not.include("generation");
    expect(names(raw)).to.include.members(["auth", "reserve", "ttft", "generation", "total"]);
    const profile = segments.profile("stream");
    expect(profile.segments["server.generation"]?.count).to.equal(1);
  });
});
