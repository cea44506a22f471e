export { registryPlugin, REGISTRY_CONTENT_TYPE, type RegistryPluginOptions } from './plugin.js';
export { SchemaStore, registryFile, type SchemaStoreOptions, type SubjectVersion } from './store.js';
export { storeSchemaSource } from './store-source.js';
export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './compatibility.js';
export { RegistryError } from './errors.js';
