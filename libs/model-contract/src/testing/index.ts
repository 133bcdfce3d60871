// Test tables shared by the deployables' tests (never imported by production code).
export { SCHEMA_CASES, type SchemaCase } from "./json-schema-cases.js";
