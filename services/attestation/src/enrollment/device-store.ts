import { sql, type DatabasePool } from "@darkbloom/db";
import { z } from "zod";
import type { CheckInMessage } from "./mdm-checkin.js";

export type DeviceState = "authenticated" | "enrolled" | "checked_out";

export type CheckInOutcome = { ok: true; state: DeviceState } | { ok: false; message: string };

/**
 * MDM enrollment state per UDID in Postgres (shared by every coordinator replica, kept across
 * restarts): Authenticate → authenticated (binds the device identity certificate), TokenUpdate →
 * enrolled (push token and magic stored), CheckOut → checked_out. TokenUpdate and CheckOut must
 * be signed by the certificate the device authenticated with.
 */
export function createDeviceStore(pool: DatabasePool) {
  const bound = z.object({ identity_cert_sha256: z.string() });
  return {
    async apply(message: CheckInMessage, certSha256: string): Promise<CheckInOutcome> {
      if (message.type === "Authenticate") {
        await pool.query(sql.unsafe`
          INSERT INTO mdm_devices (udid, state, serial_number, topic, identity_cert_sha256)
          VALUES (${message.udid}, 'authenticated', ${message.serialNumber}, ${message.topic},
                  ${certSha256})
          ON CONFLICT (udid) DO UPDATE SET state = 'authenticated',
            serial_number = EXCLUDED.serial_number, topic = EXCLUDED.topic, push_token = NULL,
            push_magic = '', identity_cert_sha256 = EXCLUDED.identity_cert_sha256,
            updated_at = now()`);
        return { ok: true, state: "authenticated" };
      }
      const row = await pool.maybeOne(
        sql.type(bound)`SELECT identity_cert_sha256 FROM mdm_devices WHERE udid = ${message.udid}`,
      );
      if (!row) return { ok: false, message: "device has not authenticated" };
      if (row.identity_cert_sha256 !== certSha256)
        return { ok: false, message: "check-in signed by another identity than the device's" };
      if (message.type === "TokenUpdate") {
        await pool.query(sql.unsafe`
          UPDATE mdm_devices SET state = 'enrolled', topic = ${message.topic},
            push_token = ${sql.binary(Buffer.from(message.token))},
            push_magic = ${message.pushMagic}, updated_at = now()
          WHERE udid = ${message.udid}`);
        return { ok: true, state: "enrolled" };
      }
      await pool.query(sql.unsafe`
        UPDATE mdm_devices SET state = 'checked_out', push_token = NULL, push_magic = '',
          updated_at = now() WHERE udid = ${message.udid}`);
      return { ok: true, state: "checked_out" };
    },

    async isEnrolled(udid: string): Promise<boolean> {
      const row = await pool.maybeOne(
        sql.type(
          z.object({ state: z.string() }),
        )`SELECT state FROM mdm_devices WHERE udid = ${udid}`,
      );
      return row?.state === "enrolled";
    },

    /** The stored enrollment of one device (for operators and tests). */
    async find(udid: string) {
      return pool.maybeOne(
        sql.type(
          z.object({
            state: z.string(),
            push_magic: z.string(),
            push_token: z.instanceof(Buffer).nullable(),
            identity_cert_sha256: z.string(),
          }),
        )`SELECT state, push_magic, push_token, identity_cert_sha256 FROM mdm_devices
          WHERE udid = ${udid}`,
      );
    },
  };
}
export type DeviceStore = ReturnType<typeof createDeviceStore>;
