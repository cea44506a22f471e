export * from './types.js';
export { DEAD_LETTER_REASONS, type DeadLetterReason, type Rejected } from './reasons.js';
export { validateEvent, type EventKind, type ValidateOptions, type ValidationResult } from './validate.js';
export { EventSerde, type DecodeResult, type EventSerdeOptions, type SerdeTopics } from './serde.js';
export { EVENT_SCHEMAS, RECORD_NAMES, SCHEMA_DIR, type EventSchema, type RecordName } from './schemas.js';
export { MAGIC_BYTE, readFrame, writeFrame } from './wire.js';
export { SchemaRefused, restSchemaSource, type SchemaSource } from './schema-source.js';
