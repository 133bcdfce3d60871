// Which consumer requests are inference (a request a provider answers, streamed or not): the POST
// routes but the sealed reservation, the same ones the edge admits against key limits.
import { ROUTES } from "./edge-handler.js";

const INFERENCE_PATHS = new Set(
  ROUTES.filter((r) => r.method === "POST" && r.path !== "/v1/sealed/reserve").map((r) => r.path),
);

export function isInferenceRequest(method: string | undefined, path: string): boolean {
  return method === "POST" && INFERENCE_PATHS.has(path);
}
