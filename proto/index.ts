// The public surface of the wire types. Everything here is generated from proto/darkbloom/v1.
export * from "./gen/darkbloom/v1/common_pb.js";
export * from "./gen/darkbloom/v1/provider_pb.js";
export * from "./gen/darkbloom/v1/routing_pb.js";
export * from "./gen/darkbloom/v1/ledger_pb.js";
export * from "./gen/darkbloom/v1/auth_pb.js";
export * from "./gen/darkbloom/v1/attestation_pb.js";
export * from "./gen/darkbloom/v1/releases_pb.js";
export * from "./gen/darkbloom/v1/inference_pb.js";
export * from "./gen/darkbloom/v1/traffic_pb.js";
