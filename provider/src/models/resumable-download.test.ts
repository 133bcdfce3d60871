import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DownloadError, downloadResumable } from "./resumable-download.js";
import { FakeFileHost } from "@darkbloom/testing";

const ARTIFACT_BYTES = 3 * 1024 * 1024 + 17;

describe("downloadResumable", function () {
  this.timeout(30_000);
  let work = "";
  let served = "";
  let digest = "";
  let host: FakeFileHost | undefined;

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-resume-"));
    served = path.join(work, "served");
    const bytes = randomBytes(ARTIFACT_BYTES);
    digest = createHash("sha256").update(bytes).digest("hex");
    await mkdir(served);
    await writeFile(path.join(served, "darkbloom.tgz"), bytes);
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(work, { recursive: true, force: true });
  });

  it("resumes a cut download with a Range request and hashes the whole file", async () => {
    host = new FakeFileHost({
      dir: served,
      cut: { file: "darkbloom.tgz", cutAfterBytes: 1_000_000 },
    });
    const url = `${await host.start()}/files/darkbloom.tgz`;
    const dest = path.join(work, "artifact.download");
    const first = await downloadResumable(url, dest).catch((e: unknown) => e);
    expect(first).to.be.instanceOf(DownloadError);
    const partial = (await stat(dest)).size;
    expect(partial).to.be.within(1, ARTIFACT_BYTES - 1);

    const seen: number[] = [];
    const got = await downloadResumable(url, dest, { onProgress: (n) => seen.push(n) });
    expect(host.requests.at(-1)?.range).to.equal(`bytes=${partial}-`);
    expect(got).to.deep.equal({
      sha256: digest,
      sizeBytes: ARTIFACT_BYTES,
      resumedBytes: partial,
      downloadedBytes: ARTIFACT_BYTES - partial,
    });
    expect(seen.at(-1)).to.equal(ARTIFACT_BYTES);
    expect(
      createHash("sha256")
        .update(await readFile(dest))
        .digest("hex"),
    ).to.equal(digest);
  });

  it("treats a partial file of the expected size as complete without refetching its bytes", async () => {
    host = new FakeFileHost({ dir: served });
    const url = `${await host.start()}/files/darkbloom.tgz`;
    const dest = path.join(work, "artifact.download");
    await downloadResumable(url, dest);
    const again = await downloadResumable(url, dest, { expectedBytes: ARTIFACT_BYTES });
    expect(again).to.include({ sha256: digest, downloadedBytes: 0, resumedBytes: ARTIFACT_BYTES });
    expect(host.requests).to.have.length(1);
  });

  it("starts over when the partial file is larger than expected", async () => {
    host = new FakeFileHost({ dir: served });
    const url = `${await host.start()}/files/darkbloom.tgz`;
    const dest = path.join(work, "artifact.download");
    await writeFile(dest, randomBytes(ARTIFACT_BYTES + 5));
    const got = await downloadResumable(url, dest, { expectedBytes: ARTIFACT_BYTES });
    expect(got).to.include({ sha256: digest, resumedBytes: 0, downloadedBytes: ARTIFACT_BYTES });
    expect(host.requests.at(-1)?.range).to.equal(undefined);
  });
});
