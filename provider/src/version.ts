export const PROVIDER_VERSION = "0.1.0";
