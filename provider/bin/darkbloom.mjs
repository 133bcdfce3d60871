#!/usr/bin/env node
// The provider ships as TypeScript source; tsx compiles it in-process on load.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
