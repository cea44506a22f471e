import type { PushLoadResult } from './push-load.js';
import type { BenchReport } from './suite.js';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const ms = (x: number | null): string => (x === null ? '–' : `${x} ms`);
/** CPU per second of a push run, in cores (≈ 1 per engine: saturated). */
const cores = (x: number | null): string => (x === null ? '–' : `${x} cores of CPU`);
/** Each engine process's cores over a throughput run, e.g. "0.91 + 0.88 cores". */
const perEngineCores = (x: number[] | null): string => (x === null ? 'cores –' : `${x.join(' + ')} cores`);
/** V8's full collections in the engines during a push run, when they are counted. */
const fullCollections = (l: PushLoadResult): string =>
  l.engineFullCollections === null ? '' : `; full collections ${l.engineFullCollections}`;

/** The p99 of each second of a push run, rounded: where its tail was made. */
const bySecond = (l: PushLoadResult): string => l.bySecond.map((s) => Math.round(s.p99Ms)).join(' ');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

function table(rows: Array<[string, string, string]>): string {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r, index) => {
      const line = `${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2]}`.trimEnd();
      return index === 0 ? `${line}\n${'-'.repeat(widths[0] + widths[1] + widths[2] + 4)}` : line;
    })
    .join('\n');
}

/** The human report: the machine, then one row per figure with what it was measured on. */
export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const le = r.latency.embedded;
  const ld = r.latency.embeddedDataDir;
  const ws = r.websocket;
  const rs = r.restore;
  const mem = r.memory;
  const w = r.workload;
  const rows: Array<[string, string, string]> = [
    ['measurement', 'value', 'conditions'],
    [
      'embedded learn only (Recommender.learnOne)',
      `${n(r.embedded.learnOnlyEventsPerSecond)} ev/s`,
      `${n(r.embedded.learnOnly.events)} events of ${n(w.usersWithEvents)} users over ${n(w.itemsWithEvents)} items (drawn from ${n(w.users)} and ${n(w.items)}, Zipf), no I/O`,
    ],
    [
      'embedded pipeline (Avro in → lists out)',
      `${n(r.embedded.pipelineEventsPerSecond)} ev/s`,
      `${n(r.embedded.pipeline.events)} events; ${r.embedded.pipelineToLearnOnly} × learn only; bench process ${perEngineCores(r.embedded.pipeline.engineCores)}${unapplied(r.embedded.pipeline.itemDeltas)}`,
    ],
    [
      'embedded pipeline with DATA_DIR',
      `${n(r.embedded.dataDirPipelineEventsPerSecond)} ev/s`,
      `the same events on an engine keeping its log and state stores in files (${mib(r.embedded.dataDirDiskBytes)} on disk after its push run); bench process ${perEngineCores(r.embedded.dataDirPipeline.engineCores)}${unapplied(r.embedded.dataDirPipeline.itemDeltas)}`,
    ],
    ...r.kafka.processes.map((p): [string, string, string] => [
      `kafka pipeline, ${p.processes === 1 ? '1 process' : `${p.processes} processes`}`,
      `${n(p.pipelineEventsPerSecond)} ev/s`,
      [
        p.processes === 1 ? `${n(r.kafka.events)} events, ${r.kafka.partitions} partitions` : 'same events, one group',
        `inputs handled at ${n(p.handledEventsPerSecond)} ev/s${p.processes === 1 ? '' : ` (${p.eventsPerProcess.map(n).join(' + ')})`}`,
        p.processes === 1 ? `${r.kafka.pipelineToRawConsume} × raw consume` : `${p.pipelineToOneProcess} × 1 process`,
        `engines ${perEngineCores(p.engineCores)}`,
      ].join('; ') + unapplied(p.itemDeltas),
    ]),
    ['kafka raw consume (kafkajs eachBatch)', `${n(r.kafka.rawConsumeEventsPerSecond)} ev/s`, `same messages, no decoding: the ceiling`],
    [
      'latency embedded p50 / p99',
      `${le.p50Ms} / ${le.p99Ms} ms`,
      `${le.rate} ev/s sent ${le.sentRate}, ${le.clients} clients, via ${le.via}; server histogram ${ms(le.serverP50Ms)} / ${ms(le.serverP99Ms)}; engine ${cores(le.engineCores)}${fullCollections(le)}`,
    ],
    ['latency embedded p99 by second', `${bySecond(le)} ms`, 'events sent in each second of the run'],
    [
      'latency embedded with DATA_DIR p50 / p99',
      `${ld.p50Ms} / ${ld.p99Ms} ms`,
      `the same run on the engine with a data directory; server histogram ${ms(ld.serverP50Ms)} / ${ms(ld.serverP99Ms)}; engine ${cores(ld.engineCores)}${fullCollections(ld)}`,
    ],
    ['latency embedded with DATA_DIR p99 by second', `${bySecond(ld)} ms`, 'events sent in each second of the run'],
    ...r.kafka.processes.flatMap(({ processes, latency: lk }): Array<[string, string, string]> => {
      const on = processes === 1 ? '1 process' : `${processes} processes`;
      return [
        [
          `latency kafka p50 / p99, ${on}`,
          `${lk.p50Ms} / ${lk.p99Ms} ms`,
          `${lk.rate} ev/s sent ${lk.sentRate}, ${lk.clients} clients${processes === 1 ? '' : ` over ${processes} processes`}, via a Kafka producer lingering ${lk.lingerMs} ms; server histogram ${ms(lk.serverP50Ms)} / ${ms(lk.serverP99Ms)}; engines ${cores(lk.engineCores)}${fullCollections(lk)}`,
        ],
        [`latency kafka p99 by second, ${on}`, `${bySecond(lk)} ms`, 'events sent in each second of the run'],
        [
          `latency kafka delivered, ${on}`,
          `${n(lk.delivered)} / ${n(lk.expected)}`,
          `users who got their last event's list; ${n(lk.staleFrames)} stale frames (click/purchase topics unordered)`,
        ],
      ];
    }),
    [
      'websocket load p50 / p99',
      `${ws.p50Ms} / ${ws.p99Ms} ms`,
      `${ws.clients} clients, ${ws.rate} ev/s for ${ws.seconds} s (sent ${ws.sentRate}/s); engine ${cores(ws.engineCores)}${fullCollections(ws)}`,
    ],
    [
      'websocket load delivered',
      `${n(ws.delivered)} / ${n(ws.expected)}`,
      `users who got their last event's list; ${n(ws.framesForEvents)} frames for ${n(ws.events)} events, ${n(ws.staleFrames)} stale`,
    ],
    [
      'memory per user',
      `${n(mem.bytesPerUser)} B`,
      `user state ÷ ${n(mem.users)} users of ${mem.shape.historyItemsPerUser}-item histories (heapUsed + external after gc)`,
    ],
    [
      'memory per item',
      `${n(mem.bytesPerItem)} B`,
      `item state ÷ ${n(mem.items)} items of ${mem.shape.neighborsPerItem} neighbours, ${mem.shape.countersPerItem} counters, ${mem.shape.transitionsPerItem} followed-by`,
    ],
    ...mem.sizes.map((s): [string, string, string] => [
      `model held vs stats().approxBytes, ${n(s.users)} users`,
      `${s.heldToApproxRatio} ×`,
      `${mib(s.held.total)} held (heap ${mib(s.held.heapUsed)}, array buffers ${mib(s.held.arrayBuffers)}), ${mib(s.approxBytes)} estimated: ${s.approxAgrees ? 'within' : 'NOT within'} ±25 %`,
    ]),
    [
      `heap of ${n(mem.extrapolated.users)} users and ${n(mem.extrapolated.items)} items`,
      gib(mem.extrapolated.totalBytes),
      `EXTRAPOLATED, not measured: a line through the two sizes (users ${n(mem.extrapolated.bytesPerUserSlope)} B each, items ${n(mem.extrapolated.bytesPerItemSlope)} B each)`,
    ],
    [
      'restore (restart on the same DATA_DIR)',
      `${rs.restoreSeconds} s`,
      `${n(rs.users)} users, ${n(rs.items)} items (${n(rs.usersPerSecond)} users/s) until ready and settled; partitions: user ${rs.partitionSeconds.user} s, item ${rs.partitionSeconds.item} s; digest ${rs.digestEqual ? 'equal' : 'DIFFERENT'}`,
    ],
    [
      'state stores written per event',
      `${n(rs.bytesPerEvent)} B`,
      `${mib(rs.writtenBytes)} written for ${n(rs.events)} events (user ${mib(rs.byStore.user.writtenBytes)}, item ${mib(rs.byStore.item.writtenBytes)}); ${mib(rs.storeBytes)} on disk after the stop`,
    ],
  ];
  return [
    `recstream bench${r.quick ? ' --quick' : ''} — ${r.startedAt}, ${r.seconds} s`,
    `machine: ${m.cpu}, ${m.cores} cores, ${mib(m.memoryBytes)} RAM, Node ${m.node}${m.heapFlags.length > 0 ? ` (${m.heapFlags.join(' ')})` : ''}, ${m.platform}`,
    `kafka: ${r.kafka.cluster}`,
    '',
    table(rows),
    '',
  ].join('\n');
}

/** A warning for a run whose item owners never took some of the deltas they were sent (empty when none). */
function unapplied(d: { sent: number; unapplied: number }): string {
  return d.unapplied > 0
    ? `; NOT THE WHOLE ENGINE: ${n(d.unapplied)} of ${n(d.sent)} item deltas never applied (records lost before an owner read them)`
    : '';
}
