// Entry of the engine thread: the provider ships TypeScript, so the thread registers tsx first
// (a no-op when the parent already runs under --import tsx) and then loads engine-worker.ts.
import { register } from "tsx/esm/api";

register();
await import("./engine-worker.ts");
