import { readFile } from "node:fs/promises";
import path from "node:path";
import { computeBinaryHash } from "./binary-hash.js";
import { loadOrCreateSoftwareIdentity, type IdentityKeySource } from "./identity-key.js";
import { ProviderAttestor } from "./provider-attestor.js";

export interface CreateAttestorOptions {
  homeDir: string;
  version: string;
  encryptionPublicKey: Uint8Array;
  models: () => ReadonlyArray<{ id: string; dir: string }>;
  /** Defaults to the software key in `<home>/identity-key`; a Secure Enclave source slots in here. */
  identity?: IdentityKeySource;
}

/**
 * The provider's attestor with its identity key, binary hash and, when present, the MDA chain
 * (`<home>/mda-chain.pem`) and MDM device id (`<home>/device-id`); signs a first registration.
 */
export async function createAttestor(options: CreateAttestorOptions): Promise<ProviderAttestor> {
  const attestor = new ProviderAttestor({
    identity: options.identity ?? (await loadOrCreateSoftwareIdentity(options.homeDir)),
    encryptionPublicKey: options.encryptionPublicKey,
    version: options.version,
    binaryHash: await computeBinaryHash(),
    models: options.models,
    homeDir: options.homeDir,
    mdaChainPem: await optionalFile(path.join(options.homeDir, "mda-chain.pem")),
    deviceId: (await optionalFile(path.join(options.homeDir, "device-id"))).trim(),
  });
  await attestor.prepareRegistration();
  return attestor;
}

async function optionalFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return ""; // absent: this machine has no MDA chain / enrollment
  }
}
