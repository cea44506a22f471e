/** The event codecs' members of the error family (src/errors.ts); schema-source.ts has the registry's. */
import { createError } from '../errors.js';

/** A topic the serde was not told about: not one of the topics given to registerAll or bind. */
export const UnknownTopic = createError(
  'RS_SERDE_UNKNOWN_TOPIC',
  'UnknownTopic',
  (topic: string) => `topic ${topic} has no Avro record bound: call registerAll (or bind) with it first`,
);

/** A value that does not fit our schema, naming the fields that do not. */
export const EncodeInvalid = createError(
  'RS_SERDE_ENCODE_INVALID',
  'EncodeInvalid',
  (record: string, subject: string, paths: string, detail: string) =>
    `cannot encode ${record} for ${subject}: invalid field(s) ${paths}: ${detail}`,
);

/** The subject neither holds our schema nor takes it; the message says how an operator fixes that. */
export const SchemaUnusable = createError('RS_SCHEMA_UNUSABLE', 'SchemaUnusable', (explanation: string) => explanation);

/** The installation lacks schemas/ (a package built without it). */
export const SchemaFilesMissing = createError(
  'RS_SCHEMA_FILES_MISSING',
  'SchemaFilesMissing',
  (from: string) => `schemas/ClickEvent.avsc not found above ${from}; reinstall recstream with its schemas/ folder`,
);
