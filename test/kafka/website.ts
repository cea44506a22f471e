import { readFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { MockCluster } from '../../src/bench/mock-cluster.js';
import type { TrackingEvent } from '../../src/events/types.js';

/**
 * An outside website producer and a downstream reader, written only against the contracts: their
 * own kafkajs clients, the registry's REST API, the schemas in schemas/.
 */
export interface TopicSet {
  clicks: string;
  purchases: string;
  recommendations: string;
  dlq: string;
  changelog: string;
  /** Internal to one group (named after it, as the engine's defaults are): item increments keyed by item. */
  itemDeltas: string;
  /** Internal to one group: the global table of neighbour rows. */
  itemNeighbors: string;
  /** Internal to one group: the ranker's shared parameters. */
  modelParams: string;
  /** Internal to one group: the state stores' changelogs (users by input partition, items by item-deltas partition). */
  userState: string;
  itemState: string;
}

/** A set whose names all start with `prefix`; pass the GROUP_ID to name the internal topics as the engine does. */
export function topicSet(prefix: string): TopicSet {
  return {
    clicks: `${prefix}.clicks`,
    purchases: `${prefix}.purchases`,
    recommendations: `${prefix}.recs`,
    dlq: `${prefix}.dlq`,
    changelog: `${prefix}.changelog`,
    itemDeltas: `${prefix}.item-deltas`,
    itemNeighbors: `${prefix}.item-neighbors`,
    modelParams: `${prefix}.model-params`,
    userState: `${prefix}.user-state`,
    itemState: `${prefix}.item-state`,
  };
}

/** Creates the engine's topics of a set on the mock cluster (the mock cannot create them through admin). */
export async function createTopics(cluster: MockCluster, t: TopicSet, inputPartitions = 4, dlqPartitions = 1): Promise<void> {
  await createInputTopics(cluster, t, inputPartitions);
  await createGroupTopics(cluster, t, inputPartitions, dlqPartitions);
}

/** The input topics only: several groups may read one pair of them. */
export async function createInputTopics(cluster: MockCluster, t: TopicSet, partitions: number): Promise<void> {
  await createEach(cluster, [
    [t.clicks, partitions],
    [t.purchases, partitions],
  ]);
}

/** The topics one group writes: its lists, dead letters, changelog and internal topics. */
export async function createGroupTopics(cluster: MockCluster, t: TopicSet, partitions: number, dlqPartitions = 1): Promise<void> {
  await createEach(cluster, [
    [t.recommendations, partitions],
    [t.dlq, dlqPartitions],
    [t.changelog, 1],
    [t.itemDeltas, partitions],
    [t.itemNeighbors, partitions],
    [t.modelParams, 1],
    [t.userState, partitions],
    [t.itemState, partitions],
  ]);
}

async function createEach(cluster: MockCluster, partitions: Array<[string, number]>): Promise<void> {
  for (const [topic, count] of partitions) {
    const answer = await cluster.command(`create ${topic} ${count}`);
    if (!answer.startsWith('ok')) throw new Error(`cannot create ${topic}: ${answer}`);
  }
}

export function topicEnv(t: TopicSet): Record<string, string> {
  return {
    TOPIC_CLICKS: t.clicks,
    TOPIC_PURCHASES: t.purchases,
    TOPIC_RECOMMENDATIONS: t.recommendations,
    TOPIC_DLQ: t.dlq,
    TOPIC_CHANGELOG: t.changelog,
    TOPIC_ITEM_DELTAS: t.itemDeltas,
    TOPIC_ITEM_NEIGHBORS: t.itemNeighbors,
    TOPIC_MODEL_PARAMS: t.modelParams,
    TOPIC_USER_STATE: t.userState,
    TOPIC_ITEM_STATE: t.itemState,
  };
}

export interface RawMessage {
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

/** The Avro record of a tracking event (the schemas have no `kind`: the topic says it). */
function avroValue(event: TrackingEvent): Record<string, unknown> {
  const { kind: _kind, ...value } = event;
  return value;
}

const schema = (name: string) => readFileSync(new URL(`../../schemas/${name}.avsc`, import.meta.url), 'utf8');

export class Website {
  readonly registry: SchemaRegistry;
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private ids: { click: number; purchase: number } | null = null;

  /** The registry ids of the ClickEvent and PurchaseEvent schemas, once connected. */
  get schemaIds(): { click: number; purchase: number } {
    if (this.ids === null) throw new Error('connect() registers the schemas first');
    return this.ids;
  }

  constructor(
    brokers: string[],
    registryUrl: string,
    private readonly topics: TopicSet,
  ) {
    this.kafka = new Kafka({ brokers, clientId: 'website', logLevel: logLevel.NOTHING });
    this.registry = new SchemaRegistry({ host: registryUrl });
  }

  async connect(): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    const click = await this.registry.register(
      { type: SchemaType.AVRO, schema: schema('ClickEvent') },
      { subject: `${this.topics.clicks}-value` },
    );
    const purchase = await this.registry.register(
      { type: SchemaType.AVRO, schema: schema('PurchaseEvent') },
      { subject: `${this.topics.purchases}-value` },
    );
    this.ids = { click: click.id, purchase: purchase.id };
  }

  /** `recordTime` sets a record's CreateTime (kafkajs sets the send time otherwise), as any producer may. */
  async clicks(
    events: Array<Record<string, unknown>>,
    recordTime: (event: Record<string, unknown>) => number | undefined = () => undefined,
  ): Promise<void> {
    await this.send(
      this.topics.clicks,
      await Promise.all(
        events.map(async (e) => {
          const time = recordTime(e);
          return {
            key: String(e.userId),
            value: await this.registry.encode(this.ids!.click, { recommendationId: null, sessionId: null, price: null, ...e }),
            ...(time === undefined ? {} : { timestamp: String(time) }),
          };
        }),
      ),
    );
  }

  /** Generated events as a shop's backend sends them: its clicks, then its orders. */
  async events(events: readonly TrackingEvent[]): Promise<void> {
    await this.clicks(events.filter((e) => e.kind === 'click').map(avroValue));
    const purchases = events.filter((e) => e.kind === 'purchase').map(avroValue);
    if (purchases.length > 0) await this.purchases(purchases);
  }

  async purchases(events: Array<Record<string, unknown>>): Promise<void> {
    await this.send(
      this.topics.purchases,
      await Promise.all(
        events.map(async (e) => ({
          key: String(e.userId),
          value: await this.registry.encode(this.ids!.purchase, { sessionId: null, ...e }),
        })),
      ),
    );
  }

  /** Any bytes as any producer may write them: no key, no value, headers of its own. */
  async raw(topic: string, messages: RawMessage[]): Promise<void> {
    await this.send(topic, messages);
  }

  private async send(topic: string, messages: Array<RawMessage & { timestamp?: string }>): Promise<void> {
    await this.producer!.send({ topic, messages, acks: -1 });
  }

  /** Records of the topics not yet committed by the group: 0 once it has processed everything sent. */
  async uncommitted(groupId: string, topics: string[]): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics });
      let behind = 0;
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const done = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        for (const end of ends) behind += Math.max(0, Number(end.high) - Math.max(done.get(end.partition) ?? -1, Number(end.low)));
      }
      return behind;
    } finally {
      await admin.disconnect();
    }
  }

  /** The high watermark summed over the topic's partitions: how many records it holds when none were deleted. */
  async records(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Records the broker has dropped from the start of the topic (low watermarks summed): none unless
   * retention ran, or librdkafka's mock cluster hit its size limit per partition (about 5 MB), which
   * it enforces on every topic, compacted or not.
   */
  async dropped(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads a topic from the beginning in its own group, calling back with each record. */
  async follow(
    topic: string,
    group: string,
    onRecord: (key: string, value: Buffer | null, headers: Record<string, string>, rawKey: Buffer | null) => Promise<void> | void,
  ): Promise<Consumer> {
    const consumer = this.kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        await onRecord(message.key?.toString() ?? '', message.value, headers, message.key ?? null);
      },
    });
    await joined;
    return consumer;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}
