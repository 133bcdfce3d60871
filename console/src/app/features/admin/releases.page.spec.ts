import { TestBed } from "@angular/core/testing";
import { AttestationService } from "../../../gen/darkbloom/v1/attestation_pb";
import { ReleaseService, type RegisterReleaseRequest } from "../../../gen/darkbloom/v1/releases_pb";
import ReleasesPage from "./releases.page";
import { adminTestBed, cells, el, settle, submit, type } from "./testing/admin-test-bed";

const SHA = "ab".repeat(32);

describe("ReleasesPage", () => {
  afterEach(() => sessionStorage.clear());

  async function open() {
    const registered: RegisterReleaseRequest[] = [];
    const floors: string[] = [];
    adminTestBed(({ service }) => {
      service(ReleaseService, {
        listReleases: () => ({
          releases: registered
            .map((r) => r.release ?? { version: "?" })
            .concat([
              {
                version: "1.2.0",
                notes: "faster prefill",
                createdAtMs: 1_767_225_600_000n,
                artifacts: [{ platform: "darwin-arm64", url: "https://x.test/a.tgz", sha256: SHA }],
              } as never,
            ]),
        }),
        registerRelease: (req) => {
          if (req.release?.version === "1.2.0") throw new Error("release 1.2.0 exists");
          registered.push(req);
          return { release: req.release };
        },
      });
      service(AttestationService, {
        setVersionFloor: (req) => {
          floors.push(req.minVersion);
          return { fencedProviderIds: ["p-old"] };
        },
      });
    });
    const fixture = TestBed.createComponent(ReleasesPage);
    await settle(fixture);
    return { fixture, root: el(fixture), registered, floors };
  }

  it("lists releases and registers one with its artifact", async () => {
    const { fixture, root, registered } = await open();
    expect(cells(root, "releases")[0]?.[0]).toBe("1.2.0");
    expect(cells(root, "releases")[0]?.[1]).toBe("darwin-arm64");
    type(root, "#rel-version", "1.3.0");
    type(root, "#rel-url", "https://x.test/b.tgz");
    type(root, "#rel-sha", SHA);
    submit(root);
    await settle(fixture);
    expect(registered[0]?.release?.version).toBe("1.3.0");
    expect(registered[0]?.release?.artifacts[0]).toMatchObject({
      platform: "darwin-arm64",
      url: "https://x.test/b.tgz",
      sha256: SHA,
    });
    expect(cells(root, "releases").map((r) => r[0])).toEqual(["1.3.0", "1.2.0"]);
  });

  it("refuses a malformed digest, and sets the version floor naming the fenced count", async () => {
    const { fixture, root, registered, floors } = await open();
    type(root, "#rel-version", "1.3.0");
    type(root, "#rel-url", "https://x.test/b.tgz");
    type(root, "#rel-sha", "xyz");
    submit(root);
    await settle(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("64 lowercase hex");
    expect(registered).toHaveLength(0);
    type(root, "#floor-version", "1.2.0");
    submit(root, 'form[aria-labelledby="floor-title"]');
    await settle(fixture);
    expect(floors).toEqual(["1.2.0"]);
    expect(root.textContent).toContain("1 provider(s) fenced");
  });
});
