export { registryPlugin, REGISTRY_CONTENT_TYPE, type RegistryPluginOptions } from './plugin.js';
export { SchemaStore, type SubjectVersion } from './store.js';
export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './compatibility.js';
export { RegistryError } from './errors.js';
