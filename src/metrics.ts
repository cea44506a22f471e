import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DEAD_LETTER_REASONS } from './events/reasons.js';
import { CLICK_TYPES } from './events/types.js';
import type { RecordsLost } from './log/types.js';

/** Buckets from 1 ms to 30 s, for both processing and event-time → push latency. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Where recommendation lists go: produced to the topic, sent on a WebSocket, answered over HTTP. */
const RECOMMENDATION_SINKS = ['topic', 'websocket', 'http'] as const;
const ERASURE_STEPS = ['written', 'applied', 'applied_on_restore'] as const;
const WS_DROP_REASONS = ['coalesced', 'closed', 'error-frame'] as const;
const FORGOTTEN_STATES = ['user', 'item'] as const;
const FORGOTTEN_CAUSES = ['cap', 'idle'] as const;

/**
 * The metric catalogue (docs/METRICS.md). One instance per engine process, on its own registry so
 * tests can run several engines in one process. No user or item id is ever a label.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly eventsTotal = new Counter({
    name: 'recstream_events_total',
    help: 'Events handled, by source topic, event type and outcome (applied, duplicate, invalid).',
    labelNames: ['topic', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly eventProcessingSeconds = new Histogram({
    name: 'recstream_event_processing_seconds',
    help: 'Time to decode, validate and learn from one input message.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly eventToPushSeconds = new Histogram({
    name: 'recstream_event_to_push_seconds',
    help: 'Event time to the WebSocket send of the recommendation it caused.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'recstream_consumer_lag',
    help: 'High watermark minus committed offset, per input partition owned by this process.',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly dlqTotal = new Counter({
    name: 'recstream_dlq_total',
    help: 'Messages sent to the dead-letter topic, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly recommendationsTotal = new Counter({
    name: 'recstream_recommendations_total',
    help: 'Recommendation lists emitted, by sink (topic, websocket, http).',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'recstream_ws_connections',
    help: 'Open WebSocket connections.',
    registers: [this.registry],
  });
  readonly wsSubscriptions = new Gauge({
    name: 'recstream_ws_subscriptions',
    help: 'Active user subscriptions over all WebSocket connections.',
    registers: [this.registry],
  });
  /** reason: `coalesced` (a newer list replaced an unsent one for a slow client), `closed` (socket gone) or `error-frame` (an error frame was dropped for a congested socket). */
  readonly wsDroppedTotal = new Counter({
    name: 'recstream_ws_dropped_total',
    help: 'Updates not sent: a newer list replaced them (coalesced), the socket died (closed), or an error frame met a congested socket (error-frame).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly modelUsers = new Gauge({ name: 'recstream_model_users', help: 'Users held in the model.', registers: [this.registry] });
  readonly modelItems = new Gauge({ name: 'recstream_model_items', help: 'Items held in the model.', registers: [this.registry] });
  readonly modelNeighborEntries = new Gauge({
    name: 'recstream_model_neighbor_entries',
    help: "Entries of the items' neighbour rows (top-MODEL_NEIGHBORS similar items), summed over all items.",
    registers: [this.registry],
  });
  readonly modelCounterEntries = new Gauge({
    name: 'recstream_model_counter_entries',
    help: 'Co-occurrence counter entries over all items, the neighbour rows are computed from.',
    registers: [this.registry],
  });
  readonly modelBytes = new Gauge({ name: 'recstream_model_bytes', help: 'Approximate bytes of model state.', registers: [this.registry] });
  /** state: `user` or `item`; cause: `cap` (MODEL_MAX_USERS / MODEL_MAX_ITEMS reached) or `idle` (MODEL_*_IDLE_DAYS). */
  readonly modelForgottenTotal = new Counter({
    name: 'recstream_model_forgotten_total',
    help: 'Users and items the model forgot: the least recently active beyond MODEL_MAX_USERS / MODEL_MAX_ITEMS (cause=cap), or idle past MODEL_USER_IDLE_DAYS / MODEL_ITEM_IDLE_DAYS (cause=idle).',
    labelNames: ['state', 'cause'] as const,
    registers: [this.registry],
  });
  readonly modelParamsStaleness = new Gauge({
    name: 'recstream_model_params_staleness_seconds',
    help: 'Age of the oldest peer ranker/regression weights in the latest merge across the group (0 with no peer; MODEL_MERGE_MS bounds it).',
    registers: [this.registry],
  });
  readonly modelParamsPeers = new Gauge({
    name: 'recstream_model_params_peers',
    help: 'Other processes of the group whose ranker/regression weights went into the latest merge.',
    registers: [this.registry],
  });
  readonly itemDeltasTotal = new Counter({
    name: 'recstream_item_deltas_total',
    help: 'Item deltas (one item\'s increments from one batch) this process wrote to item-deltas (outcome="sent"), applied as item owner (outcome="applied"), or ignored as already applied (outcome="duplicate").',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly inputLostTotal = new Counter({
    name: 'recstream_input_lost_total',
    help: "Records of the engine's input (its event topics and item-deltas) the log's retention deleted before this process's consumer group read them: events never learned from.",
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly erasuresTotal = new Counter({
    name: 'recstream_erasures_total',
    help: 'Erasures this process wrote (step="written", DELETE asked here), and users it forgot for an erasure with their take-backs sent: held when asked or when it read the erasure (step="applied"), or found restoring their partition (step="applied_on_restore").',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });
  readonly neighborRowsPublishedTotal = new Counter({
    name: 'recstream_neighbor_rows_published_total',
    help: 'Neighbour rows (and tombstones) this process published to the global table as item owner.',
    registers: [this.registry],
  });
  readonly listsEmpty = new Gauge({
    name: 'recstream_lists_empty',
    help: 'Users this process holds whose latest list it made empty (before the item table had rows to fill it), to be made again once the table changes.',
    registers: [this.registry],
  });
  readonly listsRemadeTotal = new Counter({
    name: 'recstream_lists_remade_total',
    help: 'Lists made again, with items, for users whose latest list was empty (also counted in recstream_recommendations_total{sink="topic"}).',
    registers: [this.registry],
  });
  readonly heapUsedRatio = new Gauge({
    name: 'recstream_heap_used_ratio',
    help: 'V8 heap in use divided by the heap limit, sampled every second; POST /v1/events is refused above HEAP_SHED_RATIO.',
    registers: [this.registry],
  });
  readonly loadShedding = new Gauge({
    name: 'recstream_load_shedding',
    help: '1 while POST /v1/events answers 503 because the heap in use is above HEAP_SHED_RATIO of its limit, else 0.',
    registers: [this.registry],
  });
  readonly rankerLogLoss = new Gauge({
    name: 'recstream_ranker_logloss',
    help: 'Running log-loss of the online ranker.',
    registers: [this.registry],
  });
  readonly rlsRmse = new Gauge({
    name: 'recstream_rls_rmse',
    help: 'Running RMSE of the order-value regression.',
    registers: [this.registry],
  });
  readonly prequentialRecall = new Gauge({
    name: 'recstream_prequential_recall',
    help: 'Live test-then-learn recall@k over the recent stream.',
    labelNames: ['k'] as const,
    registers: [this.registry],
  });
  readonly restoreSeconds = new Histogram({
    name: 'recstream_restore_seconds',
    help: 'Time to restore one newly assigned partition of a state store: its records, then the input after them.',
    labelNames: ['store'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly checkpointSeconds = new Histogram({
    name: 'recstream_checkpoint_seconds',
    help: 'Time to make a batch durable (its lists, dead letters and item deltas acknowledged by the log, queue wait included); its lists are pushed and its offset committed only after.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly stateCommitBytesTotal = new Counter({
    name: 'recstream_state_commit_bytes_total',
    help: 'Bytes of changed users and items (and checkpoints) written to the state stores.',
    labelNames: ['store'] as const,
    registers: [this.registry],
  });
  readonly rebalancesTotal = new Counter({
    name: 'recstream_rebalances_total',
    help: 'Partition assignments received.',
    registers: [this.registry],
  });
  /** 1 when /readyz would answer 200. Read at scrape time from the probe given to trackReadiness(). */
  readonly ready: Gauge;
  readonly httpEventsTotal = new Counter({
    name: 'recstream_collector_requests_total',
    help: 'POST /v1/events requests, by status code.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly schemaRegistryWritesTotal = new Counter({
    name: 'recstream_schema_registry_writes_total',
    help: 'Writes of the embedded schema registry file under DATA_DIR, by outcome (ok, failed); changes made while a write runs share the next one.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly httpConnectionsRefusedTotal = new Counter({
    name: 'recstream_http_connections_refused_total',
    help: 'TCP connections closed on arrival because their address already held HTTP_MAX_CONNECTIONS_PER_IP.',
    registers: [this.registry],
  });

  private readinessProbe: (() => boolean) | null = null;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const metrics = this;
    this.ready = new Gauge({
      name: 'recstream_ready',
      help: 'Whether this process is ready (partitions assigned, state restored, lag below READY_MAX_LAG, heap below HEAP_SHED_RATIO): 1 or 0.',
      registers: [this.registry],
      collect() {
        if (metrics.readinessProbe !== null) this.set(metrics.readinessProbe() ? 1 : 0);
      },
    });
    this.ready.set(0);
    // Every known label value is exported at 0 from the start, so rate() and alerts see the series
    // before its first increment instead of finding no data.
    for (const outcome of ['ok', 'failed']) this.schemaRegistryWritesTotal.inc({ outcome }, 0);
    for (const reason of DEAD_LETTER_REASONS) this.dlqTotal.inc({ reason }, 0);
    for (const sink of RECOMMENDATION_SINKS) this.recommendationsTotal.inc({ sink }, 0);
    for (const reason of WS_DROP_REASONS) this.wsDroppedTotal.inc({ reason }, 0);
    for (const step of ERASURE_STEPS) this.erasuresTotal.inc({ step }, 0);
    for (const state of FORGOTTEN_STATES) for (const cause of FORGOTTEN_CAUSES) this.modelForgottenTotal.inc({ state, cause }, 0);
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Exports the recstream_events_total series of these input topics at 0 (each event type by outcome),
   * and recstream_input_lost_total's of them and the item-delta topic.
   */
  countInputTopics(topics: { clicks: string; purchases: string; itemDeltas: string }): void {
    for (const topic of [topics.clicks, topics.purchases, topics.itemDeltas]) this.inputLostTotal.inc({ topic }, 0);
    const typesOf: Array<[string, readonly string[]]> = [
      [topics.clicks, CLICK_TYPES],
      [topics.purchases, ['purchase']],
    ];
    for (const [topic, types] of typesOf) {
      for (const type of types) for (const outcome of ['applied', 'duplicate']) this.eventsTotal.inc({ topic, type, outcome }, 0);
      this.eventsTotal.inc({ topic, type: 'unknown', outcome: 'invalid' }, 0);
    }
  }

  /** Counts what the log's retention deleted before this process's group read it (AssignmentListener.onRecordsLost). */
  countInputLost(lost: RecordsLost): void {
    this.inputLostTotal.inc({ topic: lost.topic }, lost.records);
  }

  /** Makes recstream_ready follow the probe on every scrape, e.g. `() => engine.readiness().ready`. */
  trackReadiness(probe: () => boolean): void {
    this.readinessProbe = probe;
  }
}
