/** 1234567 → "1.2M"; small numbers as they are. */
export function compactNumber(n: number): string {
  return new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 }).format(
    n,
  );
}

/** Micro-USD → "$1.23" (cents shown; sub-cent amounts with more digits). */
export function usd(microUsd: number): string {
  const dollars = microUsd / 1_000_000;
  const digits = dollars !== 0 && Math.abs(dollars) < 0.01 ? 4 : 2;
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(dollars);
}

/** Micro-USD → "$0.000029" for amounts under a hundredth of a cent (else as `usd`). */
export function preciseUsd(microUsd: number): string {
  if (microUsd === 0 || Math.abs(microUsd) >= 100) return usd(microUsd);
  return `${microUsd < 0 ? "-" : ""}$${(Math.abs(microUsd) / 1_000_000).toFixed(6)}`;
}
