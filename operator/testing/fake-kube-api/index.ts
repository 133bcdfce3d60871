// The fake Kubernetes API server (tests only).
export { FakeKubeApi, type FakeKubeApiOptions } from "./fake-kube-api.js";
