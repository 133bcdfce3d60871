// The whole public surface of @darkbloom/ledger.
export { createLedgerService } from "./service.js";
export { setPrice, getPrice } from "./prices.js";
export { INSUFFICIENT_BALANCE, isInsufficientBalance } from "./ledger-errors.js";
export { PROVIDER_SHARE_PERCENT, type Price } from "./money.js";
export { ledgerMigrations, migrateLedger } from "./migrations.js";
