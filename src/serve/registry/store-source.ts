import type avro from 'avsc';
import { SchemaRefused, type SchemaSource } from '../../events/schema-source.js';
import { RegistryError } from './errors.js';
import type { SchemaStore } from './store.js';

/** The embedded registry's store as the serde's schema source: in-process, no HTTP, no token. */
export function storeSchemaSource(store: SchemaStore): SchemaSource {
  const orNull = <T>(read: () => T): T | null => {
    try {
      return read();
    } catch (e) {
      if (e instanceof RegistryError && e.status === 404) return null;
      throw e;
    }
  };
  return {
    description: 'the embedded schema registry',
    lookup: async (subject, schemaText) => orNull(() => store.lookup(subject, schemaText).id),
    async register(subject, schemaText) {
      try {
        return await store.register(subject, schemaText);
      } catch (e) {
        if (e instanceof RegistryError && e.status < 500) throw new SchemaRefused(`${e.errorCode}: ${e.message}`, { cause: e });
        throw e;
      }
    },
    anyId: async (schemaText) => store.knownId(schemaText),
    schema: async (id) => orNull(() => JSON.parse(store.schema(id)) as avro.Schema),
  };
}
