import { SlotState, TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { request, view } from "../../testing/view-fixture.js";
import type { Filter, ProviderView, RouteRequest } from "../types.js";
import { minTrust } from "./min-trust.js";
import { modelLoaded } from "./model-loaded.js";
import { quantization } from "./quantization.js";
import { routable } from "./routable.js";
import { servesModel } from "./serves-model.js";
import { slotHealthy } from "./slot-healthy.js";
import { templateOk } from "./template-ok.js";
import { tokenBudget } from "./token-budget.js";

interface Row {
  rule: string;
  filter: Filter;
  req: RouteRequest;
  p: ProviderView;
  accepts: boolean;
}

const broken = new Map([
  [
    "tiny",
    { templateOk: false, sizeBytes: 1, contextLength: 2048, quantization: "q4", fenced: false },
  ],
]);
const fencedModel = new Map([
  [
    "tiny",
    { templateOk: true, sizeBytes: 1, contextLength: 2048, quantization: "q4", fenced: true },
  ],
]);

const onDiskOnly = new Map([
  [
    "tiny",
    {
      templateOk: true,
      sizeBytes: 1,
      contextLength: 2048,
      quantization: "q4",
      fenced: false,
      onDiskOnly: true,
    },
  ],
]);

const rows: Row[] = [
  {
    rule: "a provider without the model is not a candidate",
    filter: servesModel,
    req: request({ model: "other" }),
    p: view(),
    accepts: false,
  },
  {
    rule: "a provider with the model is a candidate",
    filter: servesModel,
    req: request(),
    p: view(),
    accepts: true,
  },
  {
    rule: "a broken chat template fences the model",
    filter: templateOk,
    req: request(),
    p: view({ models: broken }),
    accepts: false,
  },
  {
    rule: "a working chat template passes",
    filter: templateOk,
    req: request(),
    p: view(),
    accepts: true,
  },
  {
    rule: "trust below the required level is refused",
    filter: minTrust,
    req: request({ minTrust: TrustLevel.HARDWARE }),
    p: view({ trustLevel: TrustLevel.SOFTWARE }),
    accepts: false,
  },
  {
    rule: "trust at the required level passes",
    filter: minTrust,
    req: request({ minTrust: TrustLevel.HARDWARE }),
    p: view({ trustLevel: TrustLevel.HARDWARE }),
    accepts: true,
  },
  {
    rule: "an attestation-fenced provider gets nothing",
    filter: routable,
    req: request(),
    p: view({ routable: false }),
    accepts: false,
  },
  {
    rule: "a model with an untrusted weight hash is fenced on that provider",
    filter: routable,
    req: request(),
    p: view({ models: fencedModel }),
    accepts: false,
  },
  {
    rule: "a routable provider passes",
    filter: routable,
    req: request(),
    p: view(),
    accepts: true,
  },
  {
    rule: "prompt + max tokens within the free KV budget is admitted",
    filter: tokenBudget,
    req: request({ promptTokens: 4000, maxTokens: 4000 }),
    p: view({ slot: { maxTokensPotential: 192 } }),
    accepts: true,
  },
  {
    rule: "prompt + max tokens over the free KV budget waits",
    filter: tokenBudget,
    req: request({ promptTokens: 4000, maxTokens: 4000 }),
    p: view({ slot: { maxTokensPotential: 193 } }),
    accepts: false,
  },
  {
    rule: "the engine's reported KV capacity wins over the context x 4 guess",
    filter: tokenBudget,
    req: request({ promptTokens: 1500, maxTokens: 500 }),
    p: view({ slot: { kvCapacityTokens: 1999 } }),
    accepts: false,
  },
  {
    rule: "requests dispatched since the last heartbeat count against the budget",
    filter: tokenBudget,
    req: request({ promptTokens: 100, maxTokens: 100 }),
    p: view({ unseenTokens: () => 8000 }),
    accepts: false,
  },
  {
    rule: "without an engine capacity, context length x 4 is assumed",
    filter: tokenBudget,
    req: request({ promptTokens: 4096, maxTokens: 4096 }),
    p: view({ slot: { kvCapacityTokens: 0 } }),
    accepts: true,
  },
  {
    rule: "without an engine capacity, more than context length x 4 waits",
    filter: tokenBudget,
    req: request({ promptTokens: 4096, maxTokens: 4097 }),
    p: view({ slot: { kvCapacityTokens: 0 } }),
    accepts: false,
  },
  {
    rule: "any quantization passes without an allow-list",
    filter: quantization,
    req: request(),
    p: view(),
    accepts: true,
  },
  {
    rule: "a quantization on the allow-list passes",
    filter: quantization,
    req: request({ quantizations: ["q8", "q4"] }),
    p: view(),
    accepts: true,
  },
  {
    rule: "a quantization off the allow-list is refused",
    filter: quantization,
    req: request({ quantizations: ["q8"] }),
    p: view(),
    accepts: false,
  },
  {
    rule: "a crashed slot takes no requests",
    filter: slotHealthy,
    req: request(),
    p: view({ slot: { state: SlotState.CRASHED } }),
    accepts: false,
  },
  {
    rule: "a reloading slot may take requests (they wait in the engine)",
    filter: slotHealthy,
    req: request(),
    p: view({ slot: { state: SlotState.RELOADING } }),
    accepts: true,
  },
  {
    rule: "a slot reported IDLE_SHUTDOWN (unloaded) takes no requests",
    filter: modelLoaded,
    req: request(),
    p: view({ slot: { state: SlotState.IDLE_SHUTDOWN } }),
    accepts: false,
  },
  {
    rule: "an idle loaded slot takes requests",
    filter: modelLoaded,
    req: request(),
    p: view({ slot: { state: SlotState.IDLE } }),
    accepts: true,
  },
  {
    rule: "a model announced on disk only is skipped before any heartbeat",
    filter: modelLoaded,
    req: request(),
    p: view({ models: onDiskOnly, slots: new Map() }),
    accepts: false,
  },
  {
    rule: "a model announced on disk only is routed once a heartbeat reports it loaded",
    filter: modelLoaded,
    req: request(),
    p: view({ models: onDiskOnly, slot: { state: SlotState.RUNNING } }),
    accepts: true,
  },
  {
    rule: "a loaded model announced at register is routed before any heartbeat",
    filter: modelLoaded,
    req: request(),
    p: view({ slots: new Map() }),
    accepts: true,
  },
];

describe("scheduler filters", () => {
  for (const row of rows) {
    it(`${row.filter.name}: ${row.rule}`, () => {
      expect(row.filter.accepts(row.req, row.p)).to.equal(row.accepts);
    });
  }
});
