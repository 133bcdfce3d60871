import { DestroyRef, inject } from "@angular/core";

/** Runs `load` now and every `ms` until the page is destroyed (a live admin view). */
export function pollWhileOpen(load: () => Promise<void>, ms = 5_000): void {
  void load();
  const timer = setInterval(() => void load(), ms);
  inject(DestroyRef).onDestroy(() => clearInterval(timer));
}
