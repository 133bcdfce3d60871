// The WarmPool custom resource: schema (the CRD is generated from it) and its TypeScript type.
import { conditions, type ObjectMeta } from "./common.js";
import { arr, enumOf, int32, int64, obj, str, type Infer } from "./schema.js";

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const HH_MM = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

export const scheduleWindow = obj(
  {
    days: arr(enumOf(WEEKDAYS), { "x-kubernetes-list-type": "set", maxItems: 7 }),
    start: str({ pattern: HH_MM, description: "Window start, HH:MM UTC." }),
    end: str({
      pattern: HH_MM,
      description: "Window end, HH:MM UTC (exclusive; before start = past midnight).",
    }),
    minWarmProviders: int32({ minimum: 0 }),
  },
  ["days", "start", "end", "minWarmProviders"],
);
export type ScheduleWindow = Infer<typeof scheduleWindow>;

export const warmPoolSpec = obj(
  {
    coordinatorRef: obj({ name: str({ minLength: 1 }) }, ["name"]),
    model: str({ minLength: 1 }),
    minWarmProviders: int32({ minimum: 0 }),
    maxWarmProviders: int32({ minimum: 0, description: "0 = no ceiling beyond the fleet." }),
    targetUtilizationPercent: int32({ minimum: 1, maximum: 100 }),
    maxLoadsPerMinute: int32({ minimum: 0, description: "0 = unlimited." }),
    schedule: arr(scheduleWindow),
  },
  ["coordinatorRef", "model", "minWarmProviders"],
  {
    "x-kubernetes-validations": [
      {
        rule: "!has(self.maxWarmProviders) || self.maxWarmProviders == 0 || self.minWarmProviders <= self.maxWarmProviders",
        message: "minWarmProviders must not exceed maxWarmProviders",
      },
    ],
  },
);

export const warmPoolStatus = obj({
  warm: int32({ minimum: 0 }),
  loading: int32({ minimum: 0 }),
  failed: int32({ minimum: 0 }),
  observedGeneration: int64({ minimum: 0 }),
  conditions,
});

export type WarmPoolSpec = Infer<typeof warmPoolSpec>;
export type WarmPoolStatus = Infer<typeof warmPoolStatus>;

export interface WarmPool {
  apiVersion: "darkbloom.dev/v1alpha1";
  kind: "WarmPool";
  metadata: ObjectMeta;
  spec: WarmPoolSpec;
  status?: WarmPoolStatus;
}
