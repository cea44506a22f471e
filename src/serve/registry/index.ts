export { registryPlugin } from './plugin.js';
export { registryFile, SchemaStore } from './store.js';
export { storeSchemaSource } from './store-source.js';
