import { hostname } from "node:os";
import type { CoordinatorConfig } from "./config.js";

/** DARKBLOOM_ADVERTISE_URL, or http://<host, or the hostname for a wildcard host>:<port>. */
export function advertiseUrlOf(config: CoordinatorConfig, port: number): string {
  if (config.peers.advertiseUrl) return config.peers.advertiseUrl;
  const wildcard = config.host === "0.0.0.0" || config.host === "::" || config.host === "";
  const host = wildcard ? hostname() : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
