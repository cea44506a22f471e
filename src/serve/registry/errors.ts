import { createError, RecstreamError } from '../../errors.js';

/** Our code for each Confluent `error_code` the embedded registry answers with. */
const CODES: Record<number, string> = {
  400: 'RS_REGISTRY_BAD_REQUEST',
  40101: 'RS_REGISTRY_UNAUTHORIZED',
  40401: 'RS_REGISTRY_SUBJECT_NOT_FOUND',
  40402: 'RS_REGISTRY_VERSION_NOT_FOUND',
  40403: 'RS_REGISTRY_SCHEMA_NOT_FOUND',
  40408: 'RS_REGISTRY_SUBJECT_LEVEL_NOT_FOUND',
  409: 'RS_REGISTRY_INCOMPATIBLE_SCHEMA',
  41301: 'RS_REGISTRY_BODY_TOO_LARGE',
  42201: 'RS_REGISTRY_INVALID_SCHEMA',
  42202: 'RS_REGISTRY_INVALID_VERSION',
  42203: 'RS_REGISTRY_INVALID_COMPATIBILITY',
  42205: 'RS_REGISTRY_FULL',
  42209: 'RS_REGISTRY_SCHEMA_TOO_LARGE',
};

/**
 * An error in Confluent's shape: HTTP status plus `{"error_code", "message"}`. Its family code is
 * derived from the Confluent `error_code`; the wire answer stays Confluent's, which its clients parse.
 */
export class RegistryError extends RecstreamError {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(CODES[errorCode] ?? 'RS_REGISTRY_ERROR', message);
    this.name = 'RegistryError';
  }

  toJSON(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const subjectNotFound = (subject: string): RegistryError => new RegistryError(404, 40401, `Subject '${subject}' not found.`);
export const versionNotFound = (version: number): RegistryError => new RegistryError(404, 40402, `Version ${version} not found.`);
export const schemaNotFound = (id?: number | string): RegistryError =>
  new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`);
export const subjectConfigNotFound = (subject: string): RegistryError =>
  new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
export const invalidSchema = (detail: string): RegistryError => new RegistryError(422, 42201, `Invalid schema: ${detail}`);
export const invalidVersion = (raw: string): RegistryError =>
  new RegistryError(
    422,
    42202,
    `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  );
export const invalidCompatibility = (raw: unknown): RegistryError =>
  new RegistryError(
    422,
    42203,
    `Invalid compatibility level ${JSON.stringify(raw)}. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE`,
  );
export const incompatibleSchema = (subject: string, details: string[]): RegistryError =>
  new RegistryError(
    409,
    409,
    `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${details.join(', ')}]`,
  );

export const unauthorized = (reason: string, headers: Record<string, string>): RegistryError =>
  new RegistryError(
    401,
    40101,
    `${reason}. Writes to the schema registry (registering schemas, deleting subjects, changing compatibility) need the ADMIN_TOKEN; reads need none. Producers should use schemas registered ahead of time (auto.register.schemas=false, use.latest.version=true) or send the token`,
    headers,
  );
/** Confluent's SCHEMA_TOO_LARGE. */
export const schemaTooLarge = (bytes: number, max: number): RegistryError =>
  new RegistryError(422, 42209, `Schema is ${bytes} bytes, more than this registry accepts (REGISTRY_MAX_SCHEMA_BYTES=${max})`);
/** Confluent's OPERATION_NOT_PERMITTED, for a registry that is full. */
export const registryFull = (detail: string): RegistryError => new RegistryError(422, 42205, `Operation not permitted: ${detail}`);
export const bodyTooLarge = (limit: number, maxSchemaBytes: number): RegistryError =>
  new RegistryError(
    413,
    41301,
    `Request body is larger than ${limit} bytes; schemas are limited to REGISTRY_MAX_SCHEMA_BYTES=${maxSchemaBytes}`,
  );
export const unexpectedBody = (detail: string): RegistryError => new RegistryError(400, 400, `Unexpected body: ${detail}`);

/** The registry's file under DATA_DIR cannot be loaded; the message says how an operator recovers. */
export const RegistryFileCorrupt = createError(
  'RS_REGISTRY_FILE_CORRUPT',
  'RegistryFileCorrupt',
  (where: string, problem: string, fix: string) => `${where} ${problem}; ${fix}`,
);
