import type { z } from "zod";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Parses environment variables with a zod schema whose defaults are the documented defaults,
 * and freezes the result. Each deployable calls this exactly once, from its config.ts.
 */
export function readEnv<S extends z.ZodTypeAny>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return Object.freeze(result.data as z.infer<S>);
}
