import { ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { ConnectionError } from "slonik";
import { GroupCommitQueue, type BatchOutcome } from "./group-commit.js";

// The queue's batching and fallback alone, with writers that record what they were given (the
// Postgres side is tested with the real database by its users, e.g. auth's key-usage-queue).
describe("GroupCommitQueue", () => {
  type Item = { readonly id: string; readonly bad?: boolean };
  const recorder = (failBatch: (items: readonly Item[]) => Error | undefined = () => undefined) => {
    const batches: string[][] = [];
    const alone: string[] = [];
    const queue = new GroupCommitQueue<Item, string>({
      maxBatch: 3,
      key: (item) => item.id,
      writeBatch: async (items): Promise<BatchOutcome<string>[]> => {
        await Promise.resolve();
        batches.push(items.map((i) => i.id));
        const error = failBatch(items);
        if (error !== undefined) throw error;
        return items.map((i) =>
          i.bad === true
            ? { ok: false, error: new ConnectError(`refused ${i.id}`) }
            : { ok: true, value: `wrote ${i.id}` },
        );
      },
      writeOne: async (item) => {
        await Promise.resolve();
        alone.push(item.id);
        if (item.bad === true) throw new Error(`bad ${item.id}`);
        return `alone ${item.id}`;
      },
    });
    return { queue, batches, alone };
  };

  it("writes the first at once, then what queued meanwhile: at most maxBatch, no key twice", async () => {
    const { queue, batches } = recorder();
    const results = await Promise.all(
      ["a", "b", "c", "b", "d", "e"].map((id) => queue.write({ id })),
    );
    expect(batches).to.deep.equal([["a"], ["b", "c", "d"], ["b", "e"]]);
    expect(results).to.deep.equal(["a", "b", "c", "b", "d", "e"].map((id) => `wrote ${id}`));
  });

  it("fails only the item a batch refuses", async () => {
    const { queue } = recorder();
    const results = await Promise.allSettled([
      queue.write({ id: "a" }),
      queue.write({ id: "b", bad: true }),
      queue.write({ id: "c" }),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
  });

  it("writes a failed batch's items one by one, so only the bad one fails", async () => {
    const { queue, batches, alone } = recorder((items) =>
      items.some((i) => i.bad === true) ? new Error("batch refused") : undefined,
    );
    const first = queue.write({ id: "a" });
    const rest = await Promise.allSettled([
      queue.write({ id: "b" }),
      queue.write({ id: "c", bad: true }),
      queue.write({ id: "d" }),
    ]);
    expect(await first).to.equal("wrote a");
    expect(batches).to.deep.equal([["a"], ["b", "c", "d"]]);
    expect(alone).to.deep.equal(["b", "c", "d"]);
    expect(rest.map((r) => (r.status === "fulfilled" ? r.value : "rejected"))).to.deep.equal([
      "alone b",
      "rejected",
      "alone d",
    ]);
  });

  it("fails the whole batch without retrying when the database cannot be reached", async () => {
    const { queue, alone } = recorder(() => new ConnectionError("connection refused"));
    const first = queue.write({ id: "a" }).catch((e: unknown) => e);
    const rest = await Promise.allSettled([queue.write({ id: "b" }), queue.write({ id: "c" })]);
    expect(await first).to.be.instanceOf(ConnectError);
    expect(rest.map((r) => r.status)).to.deep.equal(["rejected", "rejected"]);
    expect(alone).to.deep.equal([]);
  });
});
