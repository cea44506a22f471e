import Fastify, { type FastifyInstance } from 'fastify';
import { registryPlugin } from '../../src/serve/registry/index.js';

export interface RunningRegistry {
  app: FastifyInstance;
  /** Base URL including the /registry prefix, as SCHEMA_REGISTRY_URL would be. */
  url: string;
  close(): Promise<void>;
}

/** A real Fastify server on 127.0.0.1 with the registry mounted where the engine mounts it. */
export async function startRegistry(dataDir?: string): Promise<RunningRegistry> {
  const app = Fastify({ logger: false });
  await app.register(registryPlugin, { prefix: '/registry', dataDir: dataDir ?? null });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('registry did not bind a TCP port');
  return { app, url: `http://127.0.0.1:${address.port}/registry`, close: () => app.close() };
}
