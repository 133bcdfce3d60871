import { startEmbeddedPostgres } from "@darkbloom/testing";
const pg = await startEmbeddedPostgres();
console.log("URL", pg.url);
process.on("SIGTERM", () => { void pg.stop().then(() => process.exit(0)); });
setInterval(() => {}, 1000);
