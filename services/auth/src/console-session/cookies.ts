// Cookie names and attributes of console sign-in (docs/console.md, "Sessions and CSRF").
// Over https the cookies are `__Host-` prefixed and Secure; over plain http (a local coordinator)
// they cannot be Secure, so they carry no prefix: everything else is the same.

export interface CookieSettings {
  /** Secure + `__Host-` names (the console is served over https). */
  readonly secure: boolean;
}

export const sessionCookieName = (s: CookieSettings): string =>
  s.secure ? "__Host-darkbloom_session" : "darkbloom_session";
export const loginCookieName = (s: CookieSettings): string =>
  s.secure ? "__Host-darkbloom_oidc" : "darkbloom_oidc";

/** Values of a `Cookie` header by name (first one wins; malformed pairs are skipped). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/**
 * A `Set-Cookie` value: HttpOnly always, Path=/, Secure over https. SameSite=Strict for the
 * session (only the console's own calls carry it); Lax for the login cookie, which must come
 * back on the issuer's top-level redirect to the callback.
 */
export function serializeCookie(
  s: CookieSettings,
  name: string,
  value: string,
  options: { maxAgeS: number; sameSite: "Strict" | "Lax" },
): string {
  const parts = [
    `${name}=${value}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`,
    "HttpOnly",
    `SameSite=${options.sameSite}`,
  ];
  if (s.secure) parts.push("Secure");
  return parts.join("; ");
}
