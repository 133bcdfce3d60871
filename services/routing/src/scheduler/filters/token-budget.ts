import { fitsTokenBudget } from "../../admission/token-budget.js";
import type { Filter } from "../types.js";

/** Admission: prompt + max tokens must fit the slot's free KV budget, else the request waits. */
export const tokenBudget: Filter = {
  name: "token-budget",
  kind: "capacity",
  accepts: fitsTokenBudget,
};
