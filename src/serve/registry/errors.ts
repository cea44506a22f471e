/** An error in Confluent's shape: HTTP status plus `{"error_code", "message"}`. */
export class RegistryError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'RegistryError';
  }

  toJSON(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const subjectNotFound = (subject: string): RegistryError =>
  new RegistryError(404, 40401, `Subject '${subject}' not found.`);
export const versionNotFound = (version: number): RegistryError =>
  new RegistryError(404, 40402, `Version ${version} not found.`);
export const schemaNotFound = (id?: number): RegistryError =>
  new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`);
export const subjectConfigNotFound = (subject: string): RegistryError =>
  new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
export const invalidSchema = (detail: string): RegistryError =>
  new RegistryError(422, 42201, `Invalid schema: ${detail}`);
export const invalidVersion = (raw: string): RegistryError =>
  new RegistryError(422, 42202, `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
export const invalidCompatibility = (raw: unknown): RegistryError =>
  new RegistryError(422, 42203, `Invalid compatibility level ${JSON.stringify(raw)}. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE`);
export const incompatibleSchema = (subject: string, details: string[]): RegistryError =>
  new RegistryError(409, 409, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${details.join(', ')}]`);

export const unauthorized = (reason: string, headers: Record<string, string>): RegistryError =>
  new RegistryError(401, 40101, `${reason}. Writes to the schema registry (registering schemas, deleting subjects, changing compatibility) need the ADMIN_TOKEN; reads need none. Producers should use schemas registered ahead of time (auto.register.schemas=false, use.latest.version=true) or send the token`, headers);
/** Confluent's SCHEMA_TOO_LARGE. */
export const schemaTooLarge = (bytes: number, max: number): RegistryError =>
  new RegistryError(422, 42209, `Schema is ${bytes} bytes, more than this registry accepts (REGISTRY_MAX_SCHEMA_BYTES=${max})`);
/** Confluent's OPERATION_NOT_PERMITTED, for a registry that is full. */
export const registryFull = (detail: string): RegistryError =>
  new RegistryError(422, 42205, `Operation not permitted: ${detail}`);
export const bodyTooLarge = (limit: number, maxSchemaBytes: number): RegistryError =>
  new RegistryError(413, 41301, `Request body is larger than ${limit} bytes; schemas are limited to REGISTRY_MAX_SCHEMA_BYTES=${maxSchemaBytes}`);
