/** What the engine needs from the event serde (Avro in the Confluent wire format). */
export type DecodeOutcome = { ok: true; value: unknown } | { ok: false; reason: string; error: string };

export interface EventCodec {
  decode(topic: string, bytes: Buffer): Promise<DecodeOutcome> | DecodeOutcome;
  encode(topic: string, value: unknown): Buffer | Promise<Buffer>;
}
