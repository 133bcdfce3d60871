export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | bigint | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where JSON lines go; stderr by default. */
  write?: (line: string) => void;
  base?: LogFields;
}

/**
 * JSON-lines logger. Fields are scalars only, so request or response bodies cannot be logged by
 * accident: callers pass ids and counts, never content.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const min = ORDER[options.level];
  const make = (base: LogFields): Logger => {
    const log = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (ORDER[level] < min) return;
      const record: Record<string, unknown> = {
        time: new Date().toISOString(),
        level,
        msg,
        ...base,
        ...fields,
      };
      write(JSON.stringify(record, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    };
    return {
      debug: (m, f) => log("debug", m, f),
      info: (m, f) => log("info", m, f),
      warn: (m, f) => log("warn", m, f),
      error: (m, f) => log("error", m, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.base ?? {});
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
