// Every page is its own lazy chunk. Consumer pages (playground, keys, usage, billing) need a
// sign-in; pages of later parts slot in behind the guards of core/auth.guard.ts: my machines and
// payouts (requireRole("provider")); fleet, warm pools, traffic (requireRole("admin")).
import type { Routes } from "@angular/router";
import { requireRole, requireSignIn } from "./core/auth.guard";

export const routes: Routes = [
  {
    path: "",
    pathMatch: "full",
    title: "Darkbloom — private inference on Macs",
    loadComponent: () => import("./features/landing/landing.page"),
  },
  {
    path: "models",
    title: "Models and prices — Darkbloom",
    loadComponent: () => import("./features/models/models.page"),
  },
  {
    path: "device",
    title: "Link a Mac — Darkbloom",
    loadComponent: () => import("./features/device/device.page"),
  },
  {
    path: "sign-in",
    title: "Sign in — Darkbloom",
    loadComponent: () => import("./features/sign-in/sign-in.page"),
  },
  {
    path: "playground",
    title: "Chat playground — Darkbloom",
    canMatch: [requireSignIn],
    loadComponent: () => import("./features/playground/playground.page"),
  },
  {
    path: "keys",
    title: "API keys — Darkbloom",
    canMatch: [requireSignIn],
    loadComponent: () => import("./features/keys/keys.page"),
  },
  {
    path: "usage",
    title: "Usage — Darkbloom",
    canMatch: [requireSignIn],
    loadComponent: () => import("./features/usage/usage.page"),
  },
  {
    path: "billing",
    title: "Billing — Darkbloom",
    canMatch: [requireSignIn],
    loadComponent: () => import("./features/billing/billing.page"),
  },
  // provider operators (the coordinator also refuses every call of these pages to other roles)
  {
    path: "machines",
    title: "My machines — Darkbloom",
    canMatch: [requireRole("provider")],
    loadComponent: () => import("./features/machines/machines.page"),
  },
  {
    path: "payouts",
    title: "Payouts — Darkbloom",
    canMatch: [requireRole("provider")],
    loadComponent: () => import("./features/payouts/payouts.page"),
  },
  {
    path: "admin",
    canMatch: [requireRole("admin")],
    loadChildren: () => import("./features/admin/admin.routes"),
  },
  { path: "**", redirectTo: "" },
];
