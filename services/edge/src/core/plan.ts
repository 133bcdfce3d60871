import { TrustLevel, type InferenceBody } from "@darkbloom/proto";

/** Where a request may run; the `provider` / `models` preferences fill this in. */
export interface RoutingPreferences {
  minTrust: TrustLevel;
}

export const DEFAULT_ROUTING: RoutingPreferences = { minTrust: TrustLevel.UNSPECIFIED };

/**
 * What every API shape (chat, completions, responses, messages) becomes once its protocol's
 * request.ts has validated it: the provider-facing body plus the metadata routing and billing need.
 */
export interface InferencePlan {
  body: InferenceBody;
  maxTokens: number;
  estimatedPromptTokens: number;
  stream: boolean;
  routing: RoutingPreferences;
}
