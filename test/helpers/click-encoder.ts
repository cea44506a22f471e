import { readFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RunningApp } from '../../src/app.js';

const clickSchema = readFileSync(new URL('../../schemas/ClickEvent.avsc', import.meta.url), 'utf8');

/**
 * Encodes clicks as a website's own producer writes them to the input topic: registered on the app's
 * registry under `clickstream-value`, a view unless `type` says otherwise, absent optional fields null.
 */
export async function clickEncoder(app: Pick<RunningApp, 'registryUrl'>): Promise<(event: Record<string, unknown>) => Promise<Buffer>> {
  const registry = new SchemaRegistry({ host: app.registryUrl });
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: clickSchema }, { subject: 'clickstream-value' });
  return (event) => registry.encode(id, { type: 'view', recommendationId: null, sessionId: null, price: null, ...event });
}
