// Runs the fake Kubernetes API server as a process (e2e specs, trying kubectl by hand):
//   node --import tsx operator/testing/fake-kube-api/serve.ts [--pod-readiness kubelet]
// prints "Fake Kubernetes API on http://127.0.0.1:PORT" and stops on SIGTERM/SIGINT.
import { FakeKubeApi } from "./fake-kube-api.js";

const kubelet = process.argv.includes("kubelet");
const api = await FakeKubeApi.start({ podReadiness: kubelet ? "kubelet" : "immediate" });
process.stdout.write(`Fake Kubernetes API on ${api.url}\n`);
const stop = () => void api.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
