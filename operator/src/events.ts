// Kubernetes Events about the custom resources (what `kubectl describe` shows).
import type { KubeClient, KubeObject } from "./kube/index.js";

export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  async record(
    about: KubeObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const ns = about.metadata.namespace ?? "default";
    try {
      await this.client.create({
        apiVersion: "v1",
        kind: "Event",
        metadata: {
          name: `${about.metadata.name}.${Date.now().toString(16)}${Math.random().toString(16).slice(2, 6)}`,
          namespace: ns,
        },
        involvedObject: {
          apiVersion: about.apiVersion,
          kind: about.kind,
          name: about.metadata.name,
          namespace: ns,
          uid: about.metadata.uid,
          resourceVersion: about.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.component },
        reportingComponent: this.component,
      });
    } catch (err) {
      this.onError(err); // an Event is best effort: never fail a reconcile over it
    }
  }
}
