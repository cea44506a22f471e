/** How much the embedded registry holds; registrations beyond these are refused with 422. */
export interface RegistryLimits {
  /** Largest schema text, in UTF-8 bytes. */
  maxSchemaBytes: number;
  /** Distinct schemas (ids). Ids are never freed: data written with them may still exist. */
  maxSchemas: number;
  /** Subjects, including those that only carry a compatibility level. */
  maxSubjects: number;
  /** Versions one subject may hold; transitive compatibility checks read all of them. */
  maxVersionsPerSubject: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = {
  maxSchemaBytes: 262_144,
  maxSchemas: 1000,
  maxSubjects: 1000,
  maxVersionsPerSubject: 100,
};
