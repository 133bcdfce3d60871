// RFC 8628 device authorization: links provider machines to accounts with provider tokens.
export {
  DEFAULT_DEVICE_CODE_LIMITS,
  createDeviceAuthorization,
  deviceCodeMigrations,
  type DeviceAuthorization,
  type DeviceCodeGrant,
  type DeviceCodeOptions,
  type TokenResult,
} from "./device-authorization.js";
export { createDeviceRoutes, type DeviceHttpDeps } from "./device-http.js";
export { ProviderTokenCache, type TokenAdmission } from "./provider-token-cache.js";
