// Signs in through a coordinator's OpenID Connect flow without a browser: follows the redirects
// between the coordinator and the OP with one cookie jar per origin, fills the OP's login form,
// and stops at the redirect back into the console. Tests use it to get a real session cookie.

export interface OidcSignInResult {
  /** The last redirect: into the console (`/console/...`), with `?error=` when refused. */
  readonly location: URL;
  /** The coordinator's cookies (name → value) after the flow. */
  readonly cookies: ReadonlyMap<string, string>;
}

export async function signInWithOidc(
  startUrl: string,
  login: { readonly username: string; readonly password: string },
  /** Cookies the coordinator already set (e.g. to test a stale login cookie). */
  initial: ReadonlyMap<string, string> = new Map(),
): Promise<OidcSignInResult> {
  const jars = new Map<string, Map<string, string>>();
  const start = new URL(startUrl);
  jars.set(start.origin, new Map<string, string>(initial));
  const jar = (url: URL): Map<string, string> => {
    let j = jars.get(url.origin);
    if (!j) jars.set(url.origin, (j = new Map<string, string>()));
    return j;
  };
  let url = start;
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 30; hop++) {
    const cookies = [...jar(url)].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      method: body ? "POST" : "GET",
      redirect: "manual",
      headers: cookies ? { cookie: cookies } : {},
      ...(body ? { body } : {}),
    });
    body = undefined;
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /max-age=0\b/i.test(line)) jar(url).delete(name);
      else jar(url).set(name, value);
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (next.origin === start.origin && next.pathname.startsWith("/console"))
        return { location: next, cookies: jar(start) };
      url = next;
      continue;
    }
    const text = await res.text();
    const form = /<form method="post" action="([^"]+)"/.exec(text);
    if (res.status !== 200 || !form?.[1])
      throw new Error(`sign-in stopped at ${url.href} (${res.status}): ${text.slice(0, 300)}`);
    url = new URL(form[1], url);
    body = new URLSearchParams({ username: login.username, password: login.password });
  }
  throw new Error("sign-in did not finish within 30 redirects");
}
