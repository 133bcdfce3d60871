// The admin area (/admin/…): one lazy chunk per page, inside the admin layout. The parent route
// in app.routes.ts is guarded by requireRole("admin"); the server checks every call again.
import type { Routes } from "@angular/router";

const routes: Routes = [
  {
    path: "",
    loadComponent: () => import("./admin-layout"),
    children: [
      { path: "", pathMatch: "full", redirectTo: "fleet" },
      {
        path: "fleet",
        title: "Fleet — Darkbloom admin",
        loadComponent: () => import("./fleet.page"),
      },
      {
        path: "fleet/:id",
        title: "Provider — Darkbloom admin",
        loadComponent: () => import("./provider.page"),
      },
      {
        path: "warm-pools",
        title: "Warm pools — Darkbloom admin",
        loadComponent: () => import("./warm-pools.page"),
      },
      {
        path: "traffic",
        title: "Traffic — Darkbloom admin",
        loadComponent: () => import("./traffic.page"),
      },
      {
        path: "ledger",
        title: "Ledger — Darkbloom admin",
        loadComponent: () => import("./ledger.page"),
      },
      {
        path: "prices",
        title: "Prices — Darkbloom admin",
        loadComponent: () => import("./prices.page"),
      },
      {
        path: "releases",
        title: "Releases — Darkbloom admin",
        loadComponent: () => import("./releases.page"),
      },
      {
        path: "accounts",
        title: "Accounts — Darkbloom admin",
        loadComponent: () => import("./accounts.page"),
      },
      {
        path: "invites",
        title: "Invites — Darkbloom admin",
        loadComponent: () => import("./invites.page"),
      },
    ],
  },
];
export default routes;
