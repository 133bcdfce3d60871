// The coordinator's RPC surface, reached the way real callers reach it: Connect over HTTP/1.1,
// gRPC and Connect over cleartext HTTP/2, and the official grpc-js client, all on the REST port.
// Over 300 lines: one shared coordinator for five client stacks, plus the grpc-js method table.
import http from "node:http";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type Client,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import {
  Http2SessionManager,
  createConnectTransport,
  createGrpcTransport,
} from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { authenticateApiKey, createAccount, createApiKey } from "@darkbloom/auth";
import {
  GetBalanceRequestSchema,
  GetBalanceResponseSchema,
  ListModelsRequestSchema,
  ListModelsResponseSchema,
  ReleaseService,
  RoutingService,
  type GetBalanceResponse,
  type ListModelsResponse,
} from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { FakeProvider, startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { PROVIDER_WS_PATH, startCoordinator, type Coordinator } from "./compose.js";
import { loadConfig } from "./config.js";

const MODEL = "fake-model-7b";
const SHA = "ab".repeat(32);
/** The starting credit of the first admin account (config default). */
const BOOTSTRAP_CREDIT = 10_000_000n;

const bearer =
  (key: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };

const release = (version: string, platform = "darwin-arm64") => ({
  release: {
    version,
    notes: `notes for ${version}`,
    artifacts: [{ platform, url: `https://example.test/${version}.tgz`, sha256: SHA }],
  },
});

async function codeOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error).code;
  }
  throw new Error("the call succeeded; an error was expected");
}

/** Register three versions of one major; the newest by semver (not by insertion or text) wins. */
async function expectLatestBySemver(
  releases: Client<typeof ReleaseService>,
  major: number,
): Promise<void> {
  for (const v of [`${major}.10.0-rc.1`, `${major}.10.0`, `${major}.9.0`]) {
    const res = await releases.registerRelease(release(v));
    expect(res.release?.version).to.equal(v);
    expect(Number(res.release?.createdAtMs ?? 0n)).to.be.greaterThan(0);
  }
  const latest = await releases.getLatestRelease({ platform: "darwin-arm64" });
  expect(latest.release?.version).to.equal(`${major}.10.0`);
  expect(latest.release?.artifacts[0]?.sha256).to.equal(SHA);
  const listed = (await releases.listReleases({})).releases.map((r) => r.version);
  expect(listed).to.include.members([`${major}.9.0`, `${major}.10.0`, `${major}.10.0-rc.1`]);
  expect(listed[0]).to.equal(`${major}.10.0`);
}

type UnaryCall<I, O> = (
  request: I,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response?: O) => void,
) => grpc.ClientUnaryCall;

function unaryMethod<I extends DescMessage, O extends DescMessage>(
  path: string,
  input: I,
  output: O,
): grpc.MethodDefinition<MessageInitShape<I>, MessageShape<O>> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m) => Buffer.from(toBinary(input, create(input, m))),
    requestDeserialize: (b) => fromBinary(input, b),
    responseSerialize: (m) => Buffer.from(toBinary(output, m)),
    responseDeserialize: (b) => fromBinary(output, b),
  };
}

const GrpcJsClient = grpc.makeGenericClientConstructor(
  {
    listModels: unaryMethod(
      "/darkbloom.v1.RoutingService/ListModels",
      ListModelsRequestSchema,
      ListModelsResponseSchema,
    ),
    getBalance: unaryMethod(
      "/darkbloom.v1.LedgerService/GetBalance",
      GetBalanceRequestSchema,
      GetBalanceResponseSchema,
    ),
  },
  "darkbloom.v1",
);
type GrpcJsClient = grpc.Client & {
  listModels: UnaryCall<MessageInitShape<typeof ListModelsRequestSchema>, ListModelsResponse>;
  getBalance: UnaryCall<MessageInitShape<typeof GetBalanceRequestSchema>, GetBalanceResponse>;
};

function grpcCall<I, O>(call: UnaryCall<I, O>, request: I, key?: string): Promise<O> {
  const metadata = new grpc.Metadata();
  if (key) metadata.set("authorization", `Bearer ${key}`);
  return new Promise((resolve, reject) => {
    call(request, metadata, (error, response) => {
      if (error) reject(error);
      else if (response) resolve(response);
      else reject(new Error("no response and no error"));
    });
  });
}

async function grpcStatusOf(call: Promise<unknown>): Promise<grpc.status> {
  try {
    await call;
  } catch (error) {
    return (error as grpc.ServiceError).code;
  }
  throw new Error("the call succeeded; an error was expected");
}

describe("coordinator RPC surface (one port, every protocol)", function () {
  this.timeout(60_000);

  let db: TestDatabase;
  let coordinator: Coordinator;
  let provider: FakeProvider;
  let adminKey: string;
  let consumerKey: string;
  const agent = new http.Agent({ keepAlive: true });
  const sessions: Http2SessionManager[] = [];
  let grpcJs: GrpcJsClient | undefined;

  const h1Connect = (key?: string): Transport =>
    createConnectTransport({
      baseUrl: coordinator.url,
      httpVersion: "1.1",
      nodeOptions: { agent },
      interceptors: key ? [bearer(key)] : [],
    });
  const h2 = <T>(make: (sessionManager: Http2SessionManager) => T): T => {
    const session = new Http2SessionManager(coordinator.url);
    sessions.push(session);
    return make(session);
  };

  before(async function () {
    db = await startTestDatabase();
    const env = {
      DARKBLOOM_PORT: "0",
      DARKBLOOM_METRICS_PORT: "0",
      DARKBLOOM_SECURITY_MODE: "development",
      DATABASE_URL: db.url,
    };
    coordinator = await startCoordinator(loadConfig(env), createLogger({ level: "error" }));
    if (!coordinator.bootstrapKey) throw new Error("a fresh database must yield a bootstrap key");
    adminKey = coordinator.bootstrapKey;
    const consumer = await createAccount(db.pool, "surface-test consumer", "consumer");
    consumerKey = (await createApiKey(db.pool, consumer.id, "surface-test")).key;
    provider = new FakeProvider({
      url: `${coordinator.url.replace(/^http/, "ws")}${PROVIDER_WS_PATH}`,
      models: [MODEL],
    });
    await provider.connect();
  });

  after(async function () {
    grpcJs?.close();
    for (const s of sessions) s.abort();
    agent.destroy();
    await provider?.close();
    await coordinator?.close();
    await db?.stop();
  });

  describe("Connect protocol over HTTP/1.1", function () {
    let releases: Client<typeof ReleaseService>;
    before(function () {
      releases = createClient(ReleaseService, h1Connect(adminKey));
    });

    it("answers GetLatestRelease with NotFound while no release is registered", async function () {
      expect(await codeOf(releases.getLatestRelease({}))).to.equal(Code.NotFound);
      expect((await releases.listReleases({})).releases).to.deep.equal([]);
    });

    it("lists the models of connected providers", async function () {
      const routing = createClient(RoutingService, h1Connect(adminKey));
      const { models } = await routing.listModels({});
      expect(models.map((m) => [m.id, m.providers])).to.deep.equal([[MODEL, 1]]);
    });

    it("returns the newest registered release by semver", async function () {
      await expectLatestBySemver(releases, 1);
    });

    it("refuses a duplicate release with AlreadyExists", async function () {
      expect(await codeOf(releases.registerRelease(release("1.9.0")))).to.equal(Code.AlreadyExists);
    });
  });

  // connect-node's gRPC transport always speaks HTTP/2 (it has no httpVersion option).
  describe("gRPC protocol over h2c", function () {
    it("lists models and releases, and picks the newest release", async function () {
      const transport = h2((sessionManager) =>
        createGrpcTransport({
          baseUrl: coordinator.url,
          sessionManager,
          interceptors: [bearer(adminKey)],
        }),
      );
      const { models } = await createClient(RoutingService, transport).listModels({});
      expect(models.map((m) => m.id)).to.deep.equal([MODEL]);
      await expectLatestBySemver(createClient(ReleaseService, transport), 2);
    });

    it("maps a missing key to Unauthenticated", async function () {
      const transport = h2((sessionManager) =>
        createGrpcTransport({ baseUrl: coordinator.url, sessionManager }),
      );
      const releases = createClient(ReleaseService, transport);
      expect(await codeOf(releases.listReleases({}))).to.equal(Code.Unauthenticated);
    });
  });

  describe("Connect protocol over h2c", function () {
    it("lists models and releases, and picks the newest release", async function () {
      const transport = h2((sessionManager) =>
        createConnectTransport({
          baseUrl: coordinator.url,
          httpVersion: "2",
          sessionManager,
          interceptors: [bearer(adminKey)],
        }),
      );
      const { models } = await createClient(RoutingService, transport).listModels({});
      expect(models.map((m) => m.id)).to.deep.equal([MODEL]);
      await expectLatestBySemver(createClient(ReleaseService, transport), 3);
      const latest = await createClient(ReleaseService, transport).getLatestRelease({});
      expect(latest.release?.version).to.equal("3.10.0");
    });
  });

  describe("official @grpc/grpc-js client over h2c", function () {
    before(function () {
      const target = coordinator.url.replace(/^http:\/\//, "");
      grpcJs = new GrpcJsClient(
        target,
        grpc.credentials.createInsecure(),
      ) as unknown as GrpcJsClient;
    });

    it("calls RoutingService/ListModels", async function () {
      const client = grpcJs as GrpcJsClient;
      const res = await grpcCall(client.listModels.bind(client), {}, adminKey);
      expect(res.models.map((m) => m.id)).to.deep.equal([MODEL]);
    });

    it("calls LedgerService/GetBalance for the admin account", async function () {
      const client = grpcJs as GrpcJsClient;
      const admin = await authenticateApiKey(db.pool, adminKey);
      if (!admin) throw new Error("the bootstrap key must authenticate");
      const res = await grpcCall(
        client.getBalance.bind(client),
        { accountId: admin.accountId },
        adminKey,
      );
      expect(res.balanceMicroUsd).to.equal(BOOTSTRAP_CREDIT);
      expect(res.availableMicroUsd).to.equal(BOOTSTRAP_CREDIT);
    });

    it("reports UNAUTHENTICATED and PERMISSION_DENIED as gRPC statuses", async function () {
      const client = grpcJs as GrpcJsClient;
      const listModels = client.listModels.bind(client);
      expect(await grpcStatusOf(grpcCall(listModels, {}))).to.equal(grpc.status.UNAUTHENTICATED);
      expect(await grpcStatusOf(grpcCall(listModels, {}, consumerKey))).to.equal(
        grpc.status.PERMISSION_DENIED,
      );
    });
  });

  describe("admin interceptor", function () {
    it("answers Unauthenticated without a key", async function () {
      const routing = createClient(RoutingService, h1Connect());
      expect(await codeOf(routing.listModels({}))).to.equal(Code.Unauthenticated);
    });

    it("answers Unauthenticated for an unknown key", async function () {
      const routing = createClient(RoutingService, h1Connect(`${adminKey}x`));
      expect(await codeOf(routing.listModels({}))).to.equal(Code.Unauthenticated);
    });

    it("answers PermissionDenied for a consumer key", async function () {
      const releases = createClient(ReleaseService, h1Connect(consumerKey));
      expect(await codeOf(releases.registerRelease(release("9.0.0")))).to.equal(
        Code.PermissionDenied,
      );
      expect(await codeOf(releases.listReleases({}))).to.equal(Code.PermissionDenied);
    });
  });

  describe("REST edge on the same port", function () {
    it("answers GET /health with 200 over HTTP/1.1", async function () {
      const res = await fetch(`${coordinator.url}/health`);
      expect(res.status).to.equal(200);
      await res.body?.cancel();
    });
  });
});
