// Route guards: pages for signed-in people, and pages for a role. They wait for the session
// (this tab's API key, or the cookie session the coordinator reports). The server checks every
// call again; these only keep people from landing on a page that would fail.
import { inject } from "@angular/core";
import { Router, type CanMatchFn, type UrlSegment, type UrlTree } from "@angular/router";
import { SessionService, type Role } from "./session";

const toSignIn = (router: Router, segments: UrlSegment[]): UrlTree =>
  router.createUrlTree(["/sign-in"], {
    queryParams: { next: `/${segments.map((s) => s.path).join("/")}` },
  });

/** The page needs a signed-in account; otherwise the sign-in page, then back. */
export const requireSignIn: CanMatchFn = async (_route, segments) => {
  const session = inject(SessionService);
  const router = inject(Router);
  return (await session.restore()) !== null || toSignIn(router, segments);
};

/** The page needs one of `roles` (admin pages, provider pages). */
export function requireRole(...roles: Role[]): CanMatchFn {
  return async (_route, segments) => {
    const session = inject(SessionService);
    const router = inject(Router);
    const s = await session.restore();
    if (s === null) return toSignIn(router, segments);
    return roles.includes(s.role) || router.createUrlTree(["/"]);
  };
}
