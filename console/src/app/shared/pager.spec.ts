import { allPages, Pager, type CursorPage } from "./pager";

const page = (data: number[], next: string | null): CursorPage<number> => ({
  data,
  has_more: next !== null,
  next_cursor: next,
});

describe("Pager", () => {
  it("starts from a first page and appends the next ones until there are no more", async () => {
    const asked: string[] = [];
    const pager = new Pager<number>(
      async (cursor) => {
        asked.push(cursor);
        return cursor === "c1" ? page([3, 4], "c2") : page([5], null);
      },
      () => undefined,
    );
    pager.reset(page([1, 2], "c1"));
    expect(pager.items()).toEqual([1, 2]);
    await pager.more();
    await pager.more();
    expect(pager.items()).toEqual([1, 2, 3, 4, 5]);
    expect(pager.next()).toBeNull();
    await pager.more(); // nothing left: no request
    expect(asked).toEqual(["c1", "c2"]);
    pager.reset(page([9], null));
    expect(pager.items()).toEqual([9]);
  });

  it("a failed page goes to onError and keeps the rows and the cursor", async () => {
    const errors: unknown[] = [];
    const pager = new Pager<number>(
      () => Promise.reject(new Error("down")),
      (e) => errors.push(e),
    );
    pager.reset(page([1], "c1"));
    await pager.more();
    expect(errors).toHaveLength(1);
    expect(pager.items()).toEqual([1]);
    expect(pager.next()).toBe("c1");
    expect(pager.busy()).toBe(false);
  });

  it("allPages follows the cursors to the end", async () => {
    const rows = await allPages<number>(async (cursor) =>
      cursor === null ? page([1], "a") : cursor === "a" ? page([2], "b") : page([3], null),
    );
    expect(rows).toEqual([1, 2, 3]);
  });
});
