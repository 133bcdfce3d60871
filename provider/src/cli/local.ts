import { loadModel, type ModelEngine } from "../engine/index.js";
import { describeModelDir, scanModelsDir } from "../models/scan-models.js";
import { flag, flags } from "./args.js";
import type { CliContext } from "./cli-context.js";
import { EXIT } from "./exit-codes.js";
import { LocalServer } from "./local/local-server.js";

/** `darkbloom local [--port N] [--model DIR]...`: OpenAI API on 127.0.0.1, no network. */
export async function localCommand(ctx: CliContext): Promise<number> {
  const { out, paths, args, config } = ctx;
  const given = flags(args, "model");
  const dirs = given.length > 0 ? given : await scanModelsDir(paths.models);
  if (dirs.length === 0) {
    out.error(`no models: pass --model DIR or download one into ${paths.models}`);
    return EXIT.usage;
  }
  const engines = new Map<string, ModelEngine>();
  for (const dir of dirs) {
    const { id } = await describeModelDir(dir);
    engines.set(id, await loadModel(dir, { modelId: id }));
  }
  const server = new LocalServer(engines, 256);
  const url = await server.listen(Number(flag(args, "port") ?? config.localPort));
  out.result(
    { url: `${url}/v1`, models: [...engines.keys()] },
    `local OpenAI API on ${url}/v1 serving ${[...engines.keys()].join(", ")}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  await server.close();
  for (const e of engines.values()) e.close();
  return EXIT.ok;
}
