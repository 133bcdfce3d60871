export type TrustName = "none" | "software" | "hardware" | "hardware_mda";

export interface ChatMessageParam {
  role: "system" | "developer" | "user" | "assistant";
  content: string;
}

/** The subset of OpenAI's chat.completions.create parameters sealed mode supports. */
export interface ChatCompletionCreateParams {
  model: string;
  messages: readonly ChatMessageParam[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  /** Token id → bias in [-100, 100]; -100 bans the token (OpenAI's `logit_bias`). */
  logit_bias?: Readonly<Record<string, number>>;
  stop?: string | readonly string[];
  stream?: boolean;
  /** Refuse providers below this trust level. */
  min_trust?: TrustName;
}

/** Which provider served the request, checked against the attested key list. */
export interface ServedBy {
  provider_id: string;
  key_fingerprint: string;
  /** The trust level the coordinator claims. */
  trust_level: string;
  /** The level the SDK verified from the provider's signed evidence (≤ trust_level). */
  verified_trust_level: string;
  /** Fingerprint of the provider's identity key (pin it with `pinnedIdentities`). */
  identity_fingerprint: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: "assistant"; content: string };
      finish_reason: string;
    },
  ];
  usage: Usage;
  served_by: ServedBy;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{ index: 0; delta: { content?: string }; finish_reason: string | null }>;
  usage?: Usage;
  served_by: ServedBy;
}
