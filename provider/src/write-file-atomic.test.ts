import { expect } from "chai";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeFileAtomic } from "./write-file-atomic.js";

/** Rewrites `file` `rounds` times with `write` while reading it as fast as it can; returns what the reads could not parse. */
async function readsDuringRewrites(
  file: string,
  write: (file: string, data: string) => Promise<void>,
  rounds: number,
): Promise<string[]> {
  const doc = (n: number): string =>
    JSON.stringify({ round: n, models: Array.from({ length: 2000 }, (_, i) => ({ id: `m${i}` })) });
  await write(file, doc(0));
  let writing = true;
  const unreadable: string[] = [];
  const reader = async (): Promise<void> => {
    while (writing) {
      const text = await readFile(file, "utf8");
      try {
        JSON.parse(text);
      } catch {
        unreadable.push(text.slice(0, 40));
      }
    }
  };
  const readers = [reader(), reader()];
  for (let n = 1; n <= rounds; n++) await write(file, doc(n));
  writing = false;
  await Promise.all(readers);
  return unreadable;
}

describe("writeFileAtomic", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "darkbloom-atomic-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("a reader never sees a half-written file while it is rewritten (plain writeFile does show one)", async () => {
    const plain = await readsDuringRewrites(
      path.join(dir, "plain.json"),
      (f, d) => writeFile(f, d),
      300,
    );
    expect(plain, "the race this guards against no longer shows").to.not.be.empty;
    const atomic = await readsDuringRewrites(path.join(dir, "status.json"), writeFileAtomic, 300);
    expect(atomic).to.deep.equal([]);
    expect((await readdir(dir)).sort()).to.deep.equal(["plain.json", "status.json"]);
  });

  it("keeps the mode it is given (credentials stay 0600)", async () => {
    const file = path.join(dir, "credentials.json");
    await writeFileAtomic(file, "{}\n", { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
  });

  it("a failed write throws, leaves the old content and no temporary file", async () => {
    const file = path.join(dir, "status.json");
    await writeFileAtomic(file, "old");
    // a directory where the file should go makes the rename fail
    const blocked = path.join(dir, "blocked");
    await mkdir(blocked);
    let failed: unknown;
    await writeFileAtomic(blocked, "new").catch((err: unknown) => (failed = err));
    expect(failed).to.be.instanceOf(Error);
    expect(await readFile(file, "utf8")).to.equal("old");
    expect((await readdir(dir)).sort()).to.deep.equal(["blocked", "status.json"]);
  });
});
