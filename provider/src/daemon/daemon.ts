import { create } from "@bufbuild/protobuf";
import {
  ProviderFrameSchema,
  ProviderStatus,
  RegisterSchema,
  SlotState,
  ThermalState,
  type ModelInfo,
  type ProviderFrame,
} from "@darkbloom/proto";
import type { KeyPair } from "@darkbloom/crypto";
import type { Logger } from "@darkbloom/telemetry";
import type { ModelEngine } from "../engine/types.js";
import { CoordinatorConnection } from "./coordinator-connection.js";
import { cpuUsage, describeHardware, memoryStatus } from "./hardware.js";
import { InferenceRunner } from "./inference-runner.js";

export interface LoadedModel {
  engine: ModelEngine;
  info: ModelInfo;
}

export interface DaemonOptions {
  coordinatorUrl: string;
  authToken: string;
  version: string;
  keys: KeyPair;
  models: readonly LoadedModel[];
  writeTimeoutMs: number;
  maxFrameBytes: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  log: Logger;
}

export type DaemonState = "running" | "draining" | "stopped";

/** The provider process: one coordinator connection, the loaded engines, heartbeats, requests. */
export class ProviderDaemon {
  private stateValue: DaemonState = "running";
  private readonly connection: CoordinatorConnection;
  private readonly runner: InferenceRunner;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private peakRss = 0;

  constructor(private readonly options: DaemonOptions) {
    const engines = new Map(options.models.map((m) => [m.engine.modelId, m.engine]));
    this.connection = new CoordinatorConnection(
      {
        url: options.coordinatorUrl,
        register: () => this.registerMessage(),
        minBackoffMs: options.minBackoffMs,
        maxBackoffMs: options.maxBackoffMs,
        writeTimeoutMs: options.writeTimeoutMs,
        maxFrameBytes: options.maxFrameBytes,
      },
      {
        onRegistered: (providerId, intervalMs) => this.onRegistered(providerId, intervalMs),
        onFrame: (frame) => this.onFrame(frame),
        onDisconnected: () => this.onDisconnected(),
      },
      options.log,
    );
    this.runner = new InferenceRunner({
      engines,
      secretKey: options.keys.secretKey,
      send: (frame) => this.connection.send(frame),
      log: options.log,
    });
  }

  get state(): DaemonState {
    return this.stateValue;
  }

  get connectionState(): CoordinatorConnection["state"] {
    return this.connection.state;
  }

  start(): void {
    this.connection.start();
  }

  /** Stops taking requests, lets running ones finish until the deadline, then cancels and exits. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.stateValue !== "running") return;
    this.stateValue = "draining";
    this.sendHeartbeat();
    const until = Date.now() + deadlineMs;
    while (this.runner.inFlight > 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    this.runner.cancelAll();
    clearInterval(this.heartbeatTimer);
    this.connection.close();
    for (const m of this.options.models) m.engine.close();
    this.stateValue = "stopped";
  }

  private registerMessage() {
    return create(RegisterSchema, {
      hardware: describeHardware(),
      models: this.options.models.map((m) => m.info),
      version: this.options.version,
      encryptionPublicKey: this.options.keys.publicKey,
      authToken: this.options.authToken,
    });
  }

  private onRegistered(providerId: string, intervalMs: number): void {
    this.options.log.info("registered with coordinator", { providerId });
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), Math.max(250, intervalMs));
    this.sendHeartbeat();
  }

  private onDisconnected(): void {
    clearInterval(this.heartbeatTimer);
    this.runner.cancelAll();
  }

  private onFrame(frame: ProviderFrame): void {
    const kind = frame.kind;
    switch (kind.case) {
      case "inferenceRequest":
        if (this.stateValue !== "running") {
          this.connection
            .send(
              create(ProviderFrameSchema, {
                kind: {
                  case: "inferenceError",
                  value: {
                    requestId: kind.value.requestId,
                    statusCode: 503,
                    message: "provider is draining",
                  },
                },
              }),
            )
            .catch(() => undefined);
          return;
        }
        return this.runner.start(kind.value);
      case "cancel":
        return this.runner.cancel(kind.value.requestId);
      case "protocolError":
        this.options.log.warn("coordinator reported a protocol error", {
          code: kind.value.code,
          message: kind.value.message,
        });
        return;
      case "attestationChallenge":
      case "loadModel":
      case "unloadModel":
      case "runtimeStatus":
        this.options.log.debug("frame not handled yet", { kind: kind.case });
        return;
      case "registerAck":
      case "register":
      case "heartbeat":
      case "inferenceAccepted":
      case "chunk":
      case "complete":
      case "inferenceError":
      case "attestationResponse":
      case "loadModelStatus":
      case undefined:
        this.options.log.warn("coordinator sent a provider-to-coordinator frame", {
          kind: String(kind.case),
        });
        return;
    }
  }

  private sendHeartbeat(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    const heartbeat = create(ProviderFrameSchema, {
      kind: {
        case: "heartbeat",
        value: {
          status:
            this.stateValue === "draining"
              ? ProviderStatus.DRAINING
              : this.runner.inFlight > 0
                ? ProviderStatus.SERVING
                : ProviderStatus.IDLE,
          slots: this.options.models.map((m) => {
            const c = m.engine.capacity();
            return {
              modelId: c.modelId,
              state: c.running > 0 ? SlotState.RUNNING : SlotState.IDLE,
              running: c.running,
              waiting: c.waiting,
              activeTokens: BigInt(c.activeTokens),
              maxTokensPotential: BigInt(c.maxTokensPotential),
            };
          }),
          memory: memoryStatus(this.peakRss),
          cpuUsage: cpuUsage(),
          thermal: ThermalState.NOMINAL,
          counters: {
            requestsServed: BigInt(this.runner.counters.served),
            requestsFailed: BigInt(this.runner.counters.failed),
            tokensGenerated: BigInt(this.runner.counters.tokens),
          },
        },
      },
    });
    this.connection.send(heartbeat).catch(() => undefined);
  }
}
