export { registryPlugin } from './plugin.js';
export { SchemaStore, registryFile } from './store.js';
export { storeSchemaSource } from './store-source.js';
