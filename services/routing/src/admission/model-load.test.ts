import { expect } from "chai";
import { admitModelLoad } from "./model-load.js";

const GiB = 1024 ** 3;

describe("admitModelLoad", () => {
  const rows = [
    {
      rule: "a load that leaves 4 GiB headroom under 0.9 x RAM is admitted",
      ram: 16,
      resident: 0,
      incoming: 10.3,
      admit: true,
    },
    {
      rule: "a load that eats into the headroom is refused",
      ram: 16,
      resident: 0,
      incoming: 10.5,
      admit: false,
    },
    {
      rule: "resident weights count against the cap",
      ram: 64,
      resident: 40,
      incoming: 13.5,
      admit: true,
    },
    {
      rule: "resident + incoming over the cap is refused",
      ram: 64,
      resident: 40,
      incoming: 13.7,
      admit: false,
    },
  ];
  for (const r of rows) {
    it(r.rule, () => {
      expect(
        admitModelLoad({
          ramBytes: r.ram * GiB,
          residentBytes: r.resident * GiB,
          incomingBytes: r.incoming * GiB,
        }),
      ).to.equal(r.admit);
    });
  }
});
