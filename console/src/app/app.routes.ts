// Every page is its own lazy chunk. Pages of later parts slot in here behind the guards of
// core/auth.guard.ts: chat playground, keys, usage, billing (requireSignIn); my machines and
// payouts (requireRole("provider", "admin")); fleet, warm pools, traffic (requireRole("admin")).
import type { Routes } from "@angular/router";

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
  { path: "**", redirectTo: "" },
];
