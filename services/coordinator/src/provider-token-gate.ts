import type { ProviderTokenCache } from "@darkbloom/auth";
import type { SessionTrustHooks } from "@darkbloom/session-trust";

/** Wraps attestation's hooks: a registration must first pass the provider-token check. */
export function gateProviderTokens(
  inner: SessionTrustHooks,
  tokens: ProviderTokenCache,
  required: boolean,
): SessionTrustHooks {
  return {
    admit(register) {
      const t = tokens.admit(register.authToken, required);
      if (!t.ok) return { ok: false, code: t.code, message: t.message };
      const admitted = inner.admit(register);
      // a valid token names the operator account the provider earns for
      return admitted.ok && t.accountId ? { ok: true, accountId: t.accountId } : admitted;
    },
    bindIdentity: (providerId, register, proof) =>
      inner.bindIdentity?.(providerId, register, proof) ?? Promise.resolve({ ok: true }),
    attach: (session) => inner.attach(session),
    onResponse: (session, response) => inner.onResponse(session, response),
    detach: (session) => inner.detach(session),
  };
}
