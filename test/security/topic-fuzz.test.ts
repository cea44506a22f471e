import { SchemaType } from '@kafkajs/confluent-schema-registry';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASONS } from '../../src/events/reasons.js';
import { type EngineProcess, spawnEngine, waitReady } from '../helpers/engine-process.js';
import { mockKafkaForFile } from '../helpers/mock-kafka.js';
import { createTopics, type RawMessage, topicEnv, topicSet, Website } from '../kafka/website.js';
import { type Case, FACES, type Face, type Kind } from './fuzz/topic-inputs.js';
import { evolvedClickSchema, type FuzzRecord, TopicRecords } from './fuzz/topic-records.js';
import { ValidEvents } from './fuzz/valid-events.js';

/**
 * A property-based fuzz run against the engine's Kafka input topics: 10,000 generated records that a
 * producer with write access may put there (arbitrary bytes, the wire format naming a wrong or unknown
 * schema, Avro cut short or claiming more than it holds, Avro of the right schema with hostile values,
 * good events keyed by another user), interleaved with 2,000 valid clicks and purchases, produced to a
 * librdkafka mock cluster and read by one engine in its own OS process.
 *
 * What each record is owed is computed, not written down: Avro of our schema is decoded and judged by
 * the project's own validator (then the key must be the user's id); every other face is refused by
 * construction. The engine must survive, put every refused record in the DLQ once with that reason and
 * apply every accepted event exactly once. A fixed seed makes the run repeatable: a failure prints the
 * face, the case's index and its spec.
 */

const SEED = 20_250_931;
const RUNS: Record<Face, number> = { bytes: 2000, 'schema-id': 1500, 'corrupt-avro': 2000, 'hostile-avro': 3500, keys: 1000 };
const VALID_EVENTS = 2000;
const MAX_BYTES = 16_384;
const MAX_FUTURE_SECONDS = 3600;
const GROUP = 'topic-fuzz-engine';
const CHUNK = 500;

const mock = mockKafkaForFile();
const cleanups = mock.cleanups;

interface Sent {
  label: string;
  spec: Case | null;
  record: FuzzRecord;
}

interface DeadLetter {
  key: Buffer | null;
  headers: Record<string, string>;
}

/** An HTTP answer, or status 0 when the process does not answer within 5 s. */
async function get(url: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

async function heapUsedMb(engine: EngineProcess): Promise<number | null> {
  const line = (await get(`${engine.url}/metrics`)).text.split('\n').find((l) => l.startsWith('nodejs_heap_size_used_bytes '));
  return line === undefined ? null : Math.round(Number(line.split(' ')[1]) / 2 ** 20);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return `${what} not reached within ${timeoutMs / 1000} s`;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

describe('fuzz: the Kafka input topics under 10,000 malformed records', () => {
  it('the engine survives, dead-letters every refused record once with its reason and applies every accepted event exactly once', async () => {
    const started = Date.now();
    const t = topicSet('tfuzz');
    await createTopics(mock.cluster, t, 4, 4);
    const engine = await spawnEngine({
      KAFKA_BROKERS: mock.cluster.bootstrap,
      GROUP_ID: GROUP,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_REBALANCE_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      EVENT_MAX_BYTES: String(MAX_BYTES),
      EVENT_MAX_FUTURE_SECONDS: String(MAX_FUTURE_SECONDS),
      // Accepted events may carry any time back to 2000: idle expiry must not make counts depend on them.
      MODEL_USER_IDLE_DAYS: '0',
      LOG_LEVEL: 'warn',
      ...topicEnv(t),
    });
    cleanups.push(() => engine.stop('SIGKILL'));
    await waitReady(engine.url, 60_000);

    const site = new Website(mock.cluster.brokers, `${engine.url}/registry`, t);
    await site.connect();
    cleanups.push(() => site.close());
    const evolved = async (container: 'array' | 'map') =>
      (
        await site.registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(evolvedClickSchema(container)) },
          { subject: `${t.clicks}-evolved-${container}-value` },
        )
      ).id;
    const ids = {
      ...site.schemaIds,
      recommendation: await site.registry.getLatestSchemaId(`${t.recommendations}-value`),
      evolvedArray: await evolved('array'),
      evolvedMap: await evolved('map'),
    };

    const dead = new Map<string, DeadLetter[]>();
    let deadCount = 0;
    const reader = await site.follow(t.dlq, 'topic-fuzz-dlq', (_key, _value, headers, rawKey) => {
      deadCount += 1;
      const label = headers['fuzz-case'] ?? '(untagged)';
      dead.set(label, [...(dead.get(label) ?? []), { key: rawKey, headers }]);
    });
    cleanups.push(() => reader.disconnect());
    const heapBefore = await heapUsedMb(engine);

    // What the records are judged against: the engine judges each by its (later) send time.
    const now = Date.now();
    const records = new TopicRecords({ now, maxBytes: MAX_BYTES, maxFutureMs: MAX_FUTURE_SECONDS * 1000, ids });
    const sent: Sent[] = [];
    let n = 0;
    (Object.keys(RUNS) as Face[]).forEach((face, f) => {
      fc.sample(FACES[face], { seed: SEED + f, numRuns: RUNS[face] }).forEach((spec, i) => {
        sent.push({ label: `${face}#${i}`, spec, record: records.build(spec, n++) });
      });
    });
    const valid = new ValidEvents('tv');
    for (let i = 0; i < VALID_EVENTS; i++) sent.push({ label: `valid#${i}`, spec: null, record: records.valid(valid.event({ fresh: i })) });
    const [order] = fc.sample(fc.shuffledSubarray([...sent.keys()], { minLength: sent.length, maxLength: sent.length }), {
      seed: SEED,
      numRuns: 1,
    });
    const interleaved = order!.map((i) => sent[i]!);

    for (let i = 0; i < interleaved.length; i += CHUNK) {
      const chunk = interleaved.slice(i, i + CHUNK);
      const byTopic = (kind: Kind): RawMessage[] =>
        chunk
          .filter((s) => s.record.kind === kind)
          .map((s) => ({ key: s.record.key, value: s.record.value, headers: { 'fuzz-case': s.label } }));
      await Promise.all([site.raw(t.clicks, byTopic('click')), site.raw(t.purchases, byTopic('purchase'))]);
    }

    const stalled = [
      await until('every input record committed', async () => (await site.uncommitted(GROUP, [t.clicks, t.purchases])) === 0, 60_000),
    ];
    const dlqRecords = await site.records(t.dlq);
    stalled.push(await until('every DLQ record read', async () => deadCount >= dlqRecords, 20_000));

    // The digest once the item side has applied every increment the user side produced.
    let digest: { eventsApplied: number; settled: boolean } | null = null;
    stalled.push(
      await until(
        'a settled digest',
        async () => {
          const answer = await get(`${engine.url}/v1/admin/digest`);
          digest = answer.status === 200 ? JSON.parse(answer.text) : null;
          return digest?.settled === true;
        },
        30_000,
      ),
    );
    const health = await get(`${engine.url}/healthz`);
    const applied = (digest as { eventsApplied: number } | null)?.eventsApplied ?? Number.NaN;
    const heapAfter = await heapUsedMb(engine);
    const alive = engine.child.exitCode === null && engine.child.signalCode === null;
    const crashLines = engine
      .output()
      .split('\n')
      .filter((l) => /uncaught|unhandled|FATAL ERROR|heap out of memory/i.test(l));

    // Every case against what it is owed.
    const broken = new Map<string, string[]>();
    const breaks = (kind: string, example: string) => broken.set(kind, [...(broken.get(kind) ?? []), example]);
    const owed = new Set<string>();
    const expectedDead = sent.filter((s) => 'refused' in s.record.expect).length;
    const perReason = new Map<string, number>();
    for (const s of sent) {
      const letters = dead.get(s.label) ?? [];
      const shown = `${s.label} ${s.spec === null ? '' : fc.stringify(s.spec).slice(0, 300)}`;
      const expect = s.record.expect;
      if ('applied' in expect) {
        if (owed.has(expect.applied)) throw new Error(`the generator made one event twice: ${shown}`);
        owed.add(expect.applied);
        if (letters.length > 0)
          breaks(
            `${s.spec === null ? 'a valid' : 'an acceptable'} event was dead-lettered`,
            `${shown} → ${letters[0]!.headers.reason}: ${letters[0]!.headers.error}`,
          );
        continue;
      }
      perReason.set(expect.refused, (perReason.get(expect.refused) ?? 0) + 1);
      if (letters.length === 0) {
        breaks(`a record refused as ${expect.refused} is missing from the DLQ`, shown);
        continue;
      }
      if (letters.length > 1) breaks('a record was dead-lettered more than once', `${shown} ×${letters.length}`);
      const h = letters[0]!.headers;
      if (h.reason !== expect.refused) breaks(`reason ${h.reason} where ${expect.refused} is owed`, `${shown} → ${h.error}`);
      if (!(DEAD_LETTER_REASONS as readonly string[]).includes(h.reason ?? '') || !h.error)
        breaks('a dead letter without a known reason and an error', shown);
      if (h['source-topic'] !== (s.record.kind === 'click' ? t.clicks : t.purchases))
        breaks('a dead letter names the wrong source topic', shown);
      const key = letters[0]!.key;
      if (!(key === null ? s.record.key === null || s.record.key.length === 0 : s.record.key !== null && key.equals(s.record.key))) {
        breaks('a dead letter does not keep the original key', shown);
      }
    }
    const labels = new Set(sent.map((s) => s.label));
    for (const label of dead.keys()) if (!labels.has(label)) breaks('a dead letter of no record sent', label);
    const lost = Number.isNaN(applied) ? owed.size : Math.max(0, owed.size - applied);
    const doubled = Number.isNaN(applied) ? 0 : Math.max(0, applied - owed.size);
    const hostileAccepted = sent.filter((s) => s.spec?.face === 'hostile-avro' && 'applied' in s.record.expect).length;

    console.log(
      `topic fuzz (seed ${SEED}): inputs per face: bytes ${RUNS.bytes}, wrong schema id ${RUNS['schema-id']}, corrupt Avro ${RUNS['corrupt-avro']}, ` +
        `valid Avro hostile ${RUNS['hostile-avro']} (${hostileAccepted} acceptable), keys ${RUNS.keys}; valid events ${VALID_EVENTS}; ` +
        `crashes ${alive && crashLines.length === 0 ? 0 : 1}, hangs ${alive && health.status === 0 ? 1 : 0}; events lost ${lost}, doubled ${doubled} (applied ${applied} of ${owed.size}); ` +
        `DLQ ${deadCount} of ${expectedDead} owed {${[...perReason].map(([r, c]) => `${r}:${c}`).join(' ')}}; ` +
        `heap before ${heapBefore} MB, after ${heapAfter} MB; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const findings = [...broken].map(
      ([kind, examples]) => `${kind}: ${examples.length} record(s), e.g. ${examples.slice(0, 3).join(' | ')}`,
    );
    if (findings.length > 0 || stalled.some((s) => s !== null))
      console.error([...stalled.filter((s) => s !== null), ...findings].join('\n'));

    expect(alive, `the engine exited:\n${engine.output().slice(-2000)}`).toBe(true);
    expect(crashLines).toEqual([]);
    expect(health.status).toBe(200);
    expect(stalled.filter((s) => s !== null)).toEqual([]);
    expect(findings).toEqual([]);
    expect(deadCount, 'dead letters vs records owed a refusal').toBe(expectedDead);
    expect(applied, 'events applied vs events owed').toBe(owed.size);
  }, 180_000);
});
