import type { Logger } from "@darkbloom/telemetry";

/** One published model's display data, as the coordinator's model registry holds it. */
export interface CatalogModel {
  id: string;
  displayName: string;
  description: string;
  family: string;
  quantization: string;
  contextLength: number;
  sizeBytes: number;
}

/** The model registry as the edge reads it (wired by the composition root). */
export interface ModelCatalog {
  listPublished(): Promise<CatalogModel[]>;
}

/**
 * The published catalog by model id. A catalog that cannot be read leaves `/v1/models` serving
 * live availability without display data (logged), rather than failing the listing.
 */
export async function catalogById(
  catalog: ModelCatalog | undefined,
  log: Logger,
): Promise<ReadonlyMap<string, CatalogModel>> {
  if (!catalog) return new Map();
  try {
    return new Map((await catalog.listPublished()).map((m) => [m.id, m]));
  } catch (err) {
    log.warn("model catalog unavailable for /v1/models", {
      error: err instanceof Error ? err.message : String(err),
    });
    return new Map();
  }
}
