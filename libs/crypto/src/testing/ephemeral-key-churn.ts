// Child process of x25519.test.ts (run with a 1 MB young generation, so scavenges are frequent):
// many ephemeral key pairs while the heap churns, as on a busy coordinator (one per request and
// per hedge alternate). Prints its progress and "churn done"; a process that froze inside Node's
// crypto prints nothing more and never exits (the old JWK export froze within ~5,000 rounds).
import { x25519 } from "../x25519.js";

const ROUNDS = 20_000;
// Three candidates, as a request sealed to its provider and two hedge alternates.
const peers = [0, 1, 2].map(() => x25519.getPublicKey(x25519.randomSecretKey()));
let garbage: number[][] = [];
for (let i = 0; i < ROUNDS; i++) {
  x25519.ephemeralSharedSecrets(peers);
  garbage.push(new Array<number>(256).fill(i));
  if (garbage.length > 1000) garbage = [];
  if (i % 1000 === 0) process.stdout.write(`${i} `);
}
process.stdout.write("churn done\n");
