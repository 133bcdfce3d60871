import { create } from "@bufbuild/protobuf";
import {
  LoadState,
  KeyProofSchema,
  ProviderFrameSchema,
  ProviderStatus,
  TrustLevel,
  RegisterSchema,
  SlotState,
  type AttestationChallenge,
  type Benchmark,
  type KeyProof,
  type KeyProofChallenge,
  type ProviderFrame,
} from "@darkbloom/proto";
import { answerKeyProof, type KeyPair } from "@darkbloom/crypto";
import type { Logger } from "@darkbloom/telemetry";
import path from "node:path";
import { describeModelDir, scanModelsDir, type ScannedModel } from "../models/scan-models.js";
import type { ProviderAttestor } from "../attestation/provider-attestor.js";
import { CoordinatorConnection } from "./coordinator-connection.js";
import { cpuUsage, describeHardware, memoryStatus, thermalState } from "./hardware.js";
import { InferenceRunner } from "./inference-runner.js";
import type { ModelSet } from "./model-set.js";
import { daemonSnapshot, type DaemonSnapshot } from "./status-snapshot.js";

export interface DaemonOptions {
  coordinatorUrl: string;
  authToken: string;
  version: string;
  keys: KeyPair;
  models: ModelSet;
  /** Where `LoadModel` frames find model folders (`<modelsDir>/<id>`). */
  modelsDir: string;
  benchmarks: readonly Benchmark[];
  /** Models loaded by `LoadModel` are unloaded after this long without a request. */
  idleUnloadMs: number;
  writeTimeoutMs: number;
  maxFrameBytes: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  log: Logger;
  /** Identity signing and challenge answers; absent: the provider registers unattested. */
  attestor?: ProviderAttestor;
}

export type DaemonState = "running" | "draining" | "stopped";

/** The provider process: one coordinator connection, the loaded engines, heartbeats, requests. */
export class ProviderDaemon {
  private stateValue: DaemonState = "running";
  private readonly connection: CoordinatorConnection;
  private readonly runner: InferenceRunner;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private peakRss = 0;
  private providerId = "";
  private trust: { level: TrustLevel; routable: boolean; reason: string } | undefined;
  /** Models on disk under modelsDir (scanned at start and after each load/unload). */
  private inventory: ScannedModel[] = [];
  /** Model ids the last Register announced: each keeps a slot in every heartbeat. */
  private announced = new Set<string>();

  constructor(private readonly options: DaemonOptions) {
    const engines = options.models.engines;
    this.connection = new CoordinatorConnection(
      {
        url: options.coordinatorUrl,
        register: () => this.registerMessage(),
        proveKey: (challenge) => this.proveKey(challenge),
        minBackoffMs: options.minBackoffMs,
        maxBackoffMs: options.maxBackoffMs,
        writeTimeoutMs: options.writeTimeoutMs,
        maxFrameBytes: options.maxFrameBytes,
      },
      {
        onRegistered: (providerId, intervalMs) => this.onRegistered(providerId, intervalMs),
        onFrame: (frame) => this.onFrame(frame),
        onDisconnected: (_reason, lost, current) => this.onDisconnected(lost, current),
      },
      options.log,
    );
    this.runner = new InferenceRunner({
      engines,
      secretKey: options.keys.secretKey,
      send: (frame) => this.connection.send(frame),
      onFinished: (requestId) => this.connection.release(requestId),
      log: options.log,
    });
  }

  get state(): DaemonState {
    return this.stateValue;
  }

  get connectionState(): CoordinatorConnection["state"] {
    return this.connection.state;
  }

  /** Scans the models folder (so Register announces the inventory), then connects. */
  start(): void {
    void this.refreshInventory().finally(() => {
      if (this.stateValue === "running") this.connection.start();
    });
    this.idleTimer = setInterval(
      () => {
        const ids = this.options.models.unloadIdle(Date.now(), this.options.idleUnloadMs);
        for (const id of ids)
          this.sendLoadStatus(id, LoadState.UNLOADED, "unloaded after being idle");
        // The coordinator stops routing the model at once (its slot turns IDLE_SHUTDOWN).
        if (ids.length > 0) this.sendHeartbeat();
      },
      Math.min(60_000, Math.max(1000, this.options.idleUnloadMs / 4)),
    );
  }

  /** What `darkbloom status` shows; written to the status file by the CLI. */
  snapshot(): DaemonSnapshot {
    return daemonSnapshot({
      state: this.stateValue,
      connection: this.connection.state,
      providerId: this.providerId,
      trust: this.trust,
      models: this.options.models.entries(),
      counters: this.runner.counters,
      inFlight: this.runner.inFlight,
    });
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
    clearInterval(this.idleTimer);
    this.connection.close();
    this.options.models.closeAll();
    this.stateValue = "stopped";
  }

  private async refreshInventory(): Promise<void> {
    const found: ScannedModel[] = [];
    for (const dir of await scanModelsDir(this.options.modelsDir)) {
      try {
        found.push(await describeModelDir(dir));
      } catch (err) {
        this.options.log.warn("model folder skipped", { dir, error: String(err) });
      }
    }
    this.inventory = found;
  }

  /** On disk, neither loaded nor failed: announced so the warm pool can load them. */
  private onDiskOnly(): ScannedModel[] {
    const known = new Set(this.options.models.entries().map((e) => e.id));
    return this.inventory.filter((m) => !known.has(m.id));
  }

  /** Announced or on disk, not loaded (nor failed): reported IDLE_SHUTDOWN, so never routed. */
  private notLoaded(): string[] {
    const known = new Set(this.options.models.entries().map((e) => e.id));
    const ids = new Set([...this.announced, ...this.inventory.map((m) => m.id)]);
    return [...ids].filter((id) => !known.has(id));
  }

  private registerMessage() {
    const loaded = this.options.models.infos();
    this.announced = new Set([...loaded, ...this.onDiskOnly()].map((m) => m.id));
    return create(RegisterSchema, {
      hardware: describeHardware(),
      // ModelInfo.weight_hash: the hash the attestor signed (hashed on demand, cached by file).
      // The inventory follows with on_disk_only set; its template is checked when it loads.
      models: [
        ...loaded.map((m) => ({
          ...m,
          weightHash: this.options.attestor?.weightHashOf(m.id) || m.weightHash,
        })),
        ...this.onDiskOnly().map((m) => ({
          id: m.id,
          sizeBytes: BigInt(m.sizeBytes),
          quantization: m.quantization,
          templateOk: true,
          onDiskOnly: true,
        })),
      ],
      benchmarks: [...this.options.benchmarks],
      version: this.options.version,
      encryptionPublicKey: this.options.keys.publicKey,
      authToken: this.options.authToken,
      ...this.options.attestor?.registrationProof(),
    });
  }

  /** Opens the coordinator's key proof and signs it with the identity key (when attested). */
  private async proveKey(challenge: KeyProofChallenge): Promise<KeyProof> {
    const { keys, attestor } = this.options;
    const secret = answerKeyProof(challenge, keys.secretKey);
    if (!secret) {
      this.options.log.warn("coordinator sent a key proof challenge that does not open");
      return create(KeyProofSchema, {});
    }
    const identitySignature = attestor
      ? await attestor.signKeyProof(secret, keys.publicKey)
      : new Uint8Array();
    return create(KeyProofSchema, { secret, identitySignature });
  }

  private onRegistered(providerId: string, intervalMs: number): void {
    this.options.log.info("registered with coordinator", { providerId });
    this.providerId = providerId;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), Math.max(250, intervalMs));
    this.sendHeartbeat();
  }

  /** A socket dropped: its requests are cancelled (an old one after GoAway leaves the rest). */
  private onDisconnected(lost: readonly string[], current: boolean): void {
    if (current) clearInterval(this.heartbeatTimer);
    for (const id of lost) this.runner.cancel(id);
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
        this.options.models.touch(kind.value.metadata?.model ?? "");
        return this.runner.start(kind.value);
      case "cancel":
        return this.runner.cancel(kind.value.requestId);
      case "protocolError":
        this.options.log.warn("coordinator reported a protocol error", {
          code: kind.value.code,
          message: kind.value.message,
        });
        return;
      case "loadModel":
        void this.onLoadModel(kind.value.modelId);
        return;
      case "unloadModel":
        this.sendLoadStatus(
          kind.value.modelId,
          LoadState.UNLOADED,
          this.options.models.unload(kind.value.modelId) ? "" : "model was not loaded",
        );
        this.sendHeartbeat();
        return;
      case "runtimeStatus":
        this.trust = {
          level: kind.value.trustLevel,
          routable: kind.value.routable,
          reason: kind.value.reason,
        };
        return;
      case "attestationChallenge":
        void this.answerChallenge(kind.value);
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
      case "keyProof":
      case "keyProofChallenge": // answered by the connection before RegisterAck
      case "goAway": // handled by the connection (it moves to a new socket)
      case undefined:
        this.options.log.warn("coordinator sent a provider-to-coordinator frame", {
          kind: String(kind.case),
        });
        return;
    }
  }

  private async answerChallenge(challenge: AttestationChallenge): Promise<void> {
    const attestor = this.options.attestor;
    if (!attestor) return;
    try {
      const value = await attestor.answer(challenge);
      await this.connection.send(
        create(ProviderFrameSchema, { kind: { case: "attestationResponse", value } }),
      );
    } catch (err) {
      this.options.log.warn("attestation answer failed", { error: String(err) });
    }
  }

  /** `LoadModel` from the warm pool: find `<modelsDir>/<id>`, load it behind the memory gate. */
  private async onLoadModel(modelId: string): Promise<void> {
    this.sendLoadStatus(modelId, LoadState.LOADING, "");
    const dirs = await scanModelsDir(this.options.modelsDir);
    const dir = dirs.find((d) => path.basename(d) === modelId);
    if (!dir)
      return this.sendLoadStatus(
        modelId,
        LoadState.FAILED,
        `model ${modelId} is not in ${this.options.modelsDir}; run: darkbloom models download ${modelId}`,
      );
    const entry = await this.options.models.load(dir, false);
    if (entry.state === "failed") {
      this.sendLoadStatus(modelId, LoadState.FAILED, entry.error);
      return this.sendHeartbeat();
    }
    this.sendLoadStatus(modelId, LoadState.LOADED, entry.info.templateError);
    this.sendHeartbeat();
  }

  private sendLoadStatus(modelId: string, state: LoadState, message: string): void {
    this.connection
      .send(
        create(ProviderFrameSchema, {
          kind: { case: "loadModelStatus", value: { modelId, state, message } },
        }),
      )
      .catch(() => undefined);
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
          slots: [
            ...this.options.models.entries().map((m) => {
              if (m.state === "failed") return { modelId: m.id, state: SlotState.CRASHED };
              const c = m.engine.capacity();
              return {
                modelId: c.modelId,
                state: c.running > 0 ? SlotState.RUNNING : SlotState.IDLE,
                running: c.running,
                waiting: c.waiting,
                activeTokens: BigInt(c.activeTokens),
                maxTokensPotential: BigInt(c.maxTokensPotential),
                prefixBlockHashes: c.prefixBlockHashes ?? [],
                kvCapacityTokens: BigInt(this.options.models.kvCapacityTokens(m.id)),
              };
            }),
            ...this.notLoaded().map((modelId) => ({ modelId, state: SlotState.IDLE_SHUTDOWN })),
          ],
          memory: memoryStatus(this.peakRss),
          cpuUsage: cpuUsage(),
          thermal: thermalState(),
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
