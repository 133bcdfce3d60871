import { InjectionToken } from "@angular/core";

/**
 * Where the coordinator's HTTP API lives. The console is served by the coordinator itself, so
 * the default is the page's own origin ("" = relative URLs such as `/v1/stats`).
 */
export const API_BASE = new InjectionToken<string>("API_BASE", { factory: () => "" });
