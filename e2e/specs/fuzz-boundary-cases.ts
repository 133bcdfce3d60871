// Boundary values for every integer field of every route, NUL characters in stored strings and
// malformed percent-encoding in path parameters; used by fuzz-edge-bodies.test.ts. Each case
// says which field a refusal must name, or that the value is in range (any answer but a 5xx).

export interface BoundaryCase {
  kind: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  /** The field a 400 must name; `undefined`: a 400 naming nothing in particular; null: in range. */
  param: string | null | undefined;
}

/** The values around every integer type's edge: int32, uint32, float64-exact, int64, uint64. */
export const BOUNDARY_VALUES: readonly number[] = [
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 63,
  2 ** 64,
  -1,
  0,
  1.5,
  -(2 ** 63),
  1e308,
];

interface IntegerField {
  method: "POST" | "PUT";
  path: string;
  field: string;
  /** The documented range (docs/api.md, "Limits"). */
  min: number;
  max: number;
  valid: Record<string, unknown>;
  /** In-range values are sent too (false where one would start real work, e.g. a long run). */
  sendInRange: boolean;
  /** False for a decimal field (a USD price): fractions in range are valid. */
  integer?: boolean;
  /** Where the field sits in the body (default: at the top). */
  wrap?: (value: unknown) => Record<string, unknown>;
}

const TOKENS = 100_000_000;
const MICRO_USD = 1_000_000_000_000_000;

/** Every integer (and bounded numeric) field of every JSON route. */
export function integerFields(model: string): IntegerField[] {
  const chat = { model, messages: [{ role: "user", content: "hi" }], max_tokens: 4 };
  const token = (path: string, field: string, valid: Record<string, unknown>): IntegerField => ({
    method: "POST",
    path,
    field,
    min: 1,
    max: TOKENS,
    valid,
    sendInRange: false,
  });
  const money = (method: "POST" | "PUT", path: string, field: string, valid: object) => ({
    method,
    path,
    field,
    min: 1,
    max: MICRO_USD,
    valid: valid as Record<string, unknown>,
    sendInRange: true,
  });
  const price = { input_micro_usd_per_million: 1, output_micro_usd_per_million: 1 };
  return [
    token("/v1/chat/completions", "max_tokens", chat),
    token("/v1/chat/completions", "max_completion_tokens", chat),
    { ...token("/v1/chat/completions", "seed", chat), min: 0, max: 2 ** 53 - 1, sendInRange: true },
    token("/v1/completions", "max_tokens", { model, prompt: "hi" }),
    {
      ...token("/v1/completions", "seed", { model, prompt: "hi", max_tokens: 4 }),
      min: 0,
      max: 2 ** 53 - 1,
      sendInRange: true,
    },
    token("/v1/responses", "max_output_tokens", { model, input: "hi" }),
    token("/v1/messages", "max_tokens", chat),
    token("/v1/sealed/reserve", "estimated_prompt_tokens", { model, max_tokens: 4 }),
    token("/v1/sealed/reserve", "max_tokens", { model, estimated_prompt_tokens: 4 }),
    {
      ...token("/v1/chat/completions", "provider.max_price.prompt", chat),
      min: 0,
      integer: false,
      wrap: (v) => ({ provider: { max_price: { prompt: v } } }),
    },
    { ...money("POST", "/v1/keys", "rpm_limit", { name: "k" }), max: 1_000_000 },
    { ...money("POST", "/v1/keys", "tpm_limit", { name: "k" }), max: 1_000_000_000_000 },
    { ...money("POST", "/v1/keys", "budget_micro_usd", { name: "k" }), min: 0 },
    {
      ...money("PUT", "/v1/admin/prices/fuzz-model", "input_micro_usd_per_million", price),
      min: 0,
    },
    {
      ...money("PUT", "/v1/admin/prices/fuzz-model", "output_micro_usd_per_million", price),
      min: 0,
    },
    money("POST", "/v1/admin/invites", "credit_micro_usd", {}),
    {
      ...money("POST", "/v1/admin/invites", "max_uses", { credit_micro_usd: 1 }),
      max: 1_000_000,
    },
    money("POST", "/v1/billing/checkout", "amount_micro_usd", {}),
    money("POST", "/v1/billing/payouts", "amount_micro_usd", {}),
  ];
}

const inRange = (f: IntegerField, v: number): boolean =>
  (f.integer === false || Number.isInteger(v)) && v >= f.min && v <= f.max;

/** Each boundary value (and the field's own maximum and one past it) in each integer field. */
export function boundaryCases(model: string): BoundaryCase[] {
  const out: BoundaryCase[] = [];
  for (const f of integerFields(model)) {
    for (const v of [...BOUNDARY_VALUES, f.max, f.max + 1]) {
      const ok = inRange(f, v);
      if (ok && !f.sendInRange) continue;
      out.push({
        kind: `${f.path} ${f.field}=${v}`,
        method: f.method,
        path: f.path,
        body: { ...f.valid, ...(f.wrap ? f.wrap(v) : { [f.field]: v }) },
        param: ok ? null : f.field,
      });
    }
  }
  return out;
}

const PUT_BODIES: Record<string, object> = {
  "/v1/admin/prices/{}": { input_micro_usd_per_million: 1, output_micro_usd_per_million: 1 },
  "/v1/admin/payout-accounts/{}": { stripe_account_id: "acct_1" },
};

/** NUL characters in strings the coordinator stores, and broken percent-encoding in paths. */
export function hostileTextCases(): BoundaryCase[] {
  const nul = "a\u0000b";
  const body = (method: "POST" | "PUT", path: string, field: string, b: object): BoundaryCase => ({
    kind: `NUL in ${path} ${field}`,
    method,
    path,
    body: b,
    param: field,
  });
  const cases: BoundaryCase[] = [
    body("POST", "/v1/keys", "name", { name: nul }),
    body("POST", "/v1/keys", "scopes.0", { name: "k", scopes: [nul] }),
    body("POST", "/v1/admin/accounts", "name", { name: nul, role: "consumer" }),
    body("POST", "/v1/invites/redeem", "code", { code: nul }),
    body("POST", "/v1/referrals/apply", "code", { code: nul }),
  ];
  const paths: Array<[BoundaryCase["method"], string]> = [
    ["GET", "/v1/usage/{}"],
    ["DELETE", "/v1/keys/{}"],
    ["PUT", "/v1/admin/prices/{}"],
    ["PUT", "/v1/admin/payout-accounts/{}"],
    ["GET", "/v1/models/{}/manifest"],
    ["DELETE", "/v1/admin/models/{}"],
  ];
  for (const [method, template] of paths) {
    for (const segment of ["%E0%A4%A", "%ZZ", "%", "%ff", "a%00b"]) {
      cases.push({
        kind: `path ${template} ${segment}`,
        method,
        path: template.replace("{}", segment),
        ...(PUT_BODIES[template] ? { body: PUT_BODIES[template] } : {}),
        param: undefined,
      });
    }
  }
  return cases;
}
