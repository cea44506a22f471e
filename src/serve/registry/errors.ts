/** An error in Confluent's shape: HTTP status plus `{"error_code", "message"}`. */
export class RegistryError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
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
