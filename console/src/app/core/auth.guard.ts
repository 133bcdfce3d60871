// Route guards: pages for signed-in people, and pages for a role. The server checks every call
// again; these only keep people from landing on a page that would fail.
import { inject } from "@angular/core";
import { Router, type CanMatchFn, type UrlTree } from "@angular/router";
import { SessionService, type Role } from "./session";

const toSignIn = (router: Router, next: string): UrlTree =>
  router.createUrlTree(["/sign-in"], { queryParams: { next } });

/** The page needs a signed-in account; otherwise the sign-in page, then back. */
export const requireSignIn: CanMatchFn = (_route, segments) => {
  const session = inject(SessionService);
  return (
    session.signedIn() || toSignIn(inject(Router), `/${segments.map((s) => s.path).join("/")}`)
  );
};

/** The page needs one of `roles` (admin pages, provider pages). */
export function requireRole(...roles: Role[]): CanMatchFn {
  return (_route, segments) => {
    const session = inject(SessionService);
    const router = inject(Router);
    const role = session.role();
    if (role === null) return toSignIn(router, `/${segments.map((s) => s.path).join("/")}`);
    return roles.includes(role) || router.createUrlTree(["/"]);
  };
}
