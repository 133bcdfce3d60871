import { parseModelManifest, type ModelManifest } from "@darkbloom/model-contract";

/** `GET /v1/models/{id}/manifest` from the coordinator's model registry; undefined on 404. */
export async function fetchRegistryManifest(
  baseUrl: string,
  modelId: string,
): Promise<ModelManifest | undefined> {
  const res = await fetch(`${baseUrl}/v1/models/${encodeURIComponent(modelId)}/manifest`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`model registry answered ${res.status}`);
  return parseModelManifest(await res.json());
}

/** A manifest from any URL (registry-driven downloads). */
export async function fetchManifest(url: string): Promise<ModelManifest> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return parseModelManifest(await res.json());
}
