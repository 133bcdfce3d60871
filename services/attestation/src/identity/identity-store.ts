import { sql, type DatabasePool } from "@darkbloom/db";
import { z } from "zod";

/** What binding an identity key to a provider id found. */
export type BindResult =
  | { kind: "bound" } // first seen: the id is now bound to this key
  | { kind: "same" } // already bound to this key
  | { kind: "other"; boundKey: Uint8Array }; // bound to another key (unchanged)

/**
 * Provider id → identity public key (SEC1 compressed) in Postgres, shared by every replica: the
 * first identity seen for an id wins; `rotate` (compare-and-set) and `reset` (admin) change it.
 */
export function createIdentityStore(pool: DatabasePool) {
  const keyRow = z.object({ identity_public_key: z.instanceof(Buffer) });
  return {
    async bind(providerId: string, identityKey: Uint8Array): Promise<BindResult> {
      const inserted = await pool.maybeOne(
        sql.type(z.object({ provider_id: z.string() }))`
          INSERT INTO provider_identities (provider_id, identity_public_key)
          VALUES (${providerId}, ${sql.binary(Buffer.from(identityKey))})
          ON CONFLICT (provider_id) DO NOTHING RETURNING provider_id`,
      );
      if (inserted) return { kind: "bound" };
      const bound = await this.boundKey(providerId);
      if (!bound) return this.bind(providerId, identityKey); // reset in between: bind again
      return Buffer.from(bound).equals(Buffer.from(identityKey))
        ? { kind: "same" }
        : { kind: "other", boundKey: bound };
    },

    async boundKey(providerId: string): Promise<Uint8Array | null> {
      const row = await pool.maybeOne(
        sql.type(keyRow)`SELECT identity_public_key FROM provider_identities
          WHERE provider_id = ${providerId}`,
      );
      return row ? new Uint8Array(row.identity_public_key) : null;
    },

    /** Moves the id from `fromKey` to `toKey`; false when it is no longer bound to `fromKey`. */
    async rotate(providerId: string, fromKey: Uint8Array, toKey: Uint8Array): Promise<boolean> {
      const row = await pool.maybeOne(
        sql.type(z.object({ provider_id: z.string() }))`
          UPDATE provider_identities SET identity_public_key = ${sql.binary(Buffer.from(toKey))},
            updated_at = now()
          WHERE provider_id = ${providerId}
            AND identity_public_key = ${sql.binary(Buffer.from(fromKey))}
          RETURNING provider_id`,
      );
      return row !== null;
    },

    /** Forgets the id's binding (admin action); true when there was one. */
    async reset(providerId: string): Promise<boolean> {
      const row = await pool.maybeOne(
        sql.type(z.object({ provider_id: z.string() }))`
          DELETE FROM provider_identities WHERE provider_id = ${providerId} RETURNING provider_id`,
      );
      return row !== null;
    },
  };
}
export type IdentityStore = ReturnType<typeof createIdentityStore>;
