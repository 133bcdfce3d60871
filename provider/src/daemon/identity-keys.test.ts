import { expect } from "chai";
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadOrCreateEncryptionKey } from "./identity-keys.js";

describe("the provider's encryption key file", () => {
  let home = "";
  beforeEach(async () => {
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-identity-"));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it("is created once (mode 0600) and the same key is loaded after a restart", async () => {
    const first = await loadOrCreateEncryptionKey(home);
    const file = path.join(home, "encryption-key");
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    const again = await loadOrCreateEncryptionKey(home);
    expect(Buffer.from(again.publicKey).equals(Buffer.from(first.publicKey))).to.equal(true);
  });

  it("a corrupt file readable by others is replaced by a new key that only the owner can read", async () => {
    const file = path.join(home, "encryption-key");
    await writeFile(file, "not a key\n");
    await chmod(file, 0o644);
    const pair = await loadOrCreateEncryptionKey(home);
    expect(pair.secretKey.byteLength).to.equal(32);
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    expect((await readFile(file, "utf8")).trim()).to.equal(
      Buffer.from(pair.secretKey).toString("base64"),
    );
    expect(await readdir(home)).to.deep.equal(["encryption-key"]);
  });
});
