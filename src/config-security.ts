/**
 * Credentials and TLS material from the environment: Kafka TLS/SASL and the external schema
 * registry's basic auth. Files are read here, once, at startup, so a wrong path stops the process
 * naming the variable instead of surfacing later as a connection error. Nothing here logs.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

export type Env = Record<string, string | undefined>;

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** TLS to the brokers; null fields use Node's default (system CAs, no client certificate). */
export interface KafkaTls {
  ca: string | null;
  cert: string | null;
  key: string | null;
}

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface KafkaSecurity {
  tls: KafkaTls | null;
  sasl: KafkaSasl | null;
  /** SASL without TLS, accepted only because KAFKA_SSL=false was set explicitly. */
  saslInPlaintext: boolean;
}

export interface BasicAuth {
  username: string;
  password: string;
}

/**
 * The object with the named fields shown as "[redacted]" when it is serialised (JSON, pino) or
 * inspected (console.log, util.inspect), so dumping the configuration cannot print a secret. The
 * fields themselves stay readable for the code that needs them.
 */
function redacting<T extends object>(value: T, fields: Array<keyof T>): T {
  const shown = () =>
    Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fields.includes(k as keyof T) && v !== null ? '[redacted]' : v]));
  Object.defineProperty(value, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(value, inspect.custom, { value: () => shown(), enumerable: false });
  return value;
}

function readVarFile(name: string, path: string, problems: string[]): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`${name}=${JSON.stringify(path)} cannot be read (${reason}); point it at a file this process can read`);
    return null;
  }
}

/** A PEM file's text; a problem when it cannot be read or holds no PEM block. */
function pemFile(env: Env, name: string, problems: string[]): string | null {
  const path = env[name]?.trim();
  if (!path) return null;
  const text = readVarFile(name, path, problems);
  if (text !== null && !text.includes('-----BEGIN ')) {
    problems.push(`${name}=${JSON.stringify(path)} holds no PEM block (-----BEGIN ...); set the path of a PEM file`);
    return null;
  }
  return text;
}

/**
 * A secret given either as NAME or as NAME_FILE (a mounted secret, e.g. Kubernetes or Docker
 * secrets). The file's trailing newline is dropped: editors and `echo` add one the secret lacks.
 */
function secret(env: Env, name: string, problems: string[], withFile = true): string | null {
  const value = env[name];
  const fileVar = `${name}_FILE`;
  const path = withFile ? env[fileVar]?.trim() : undefined;
  const hasValue = value !== undefined && value !== '';
  if (hasValue && path) {
    problems.push(`${name} and ${fileVar} are both set; set only one (${fileVar} for a secret mounted as a file)`);
    return null;
  }
  if (path) {
    const text = readVarFile(fileVar, path, problems);
    if (text === null) return null;
    const trimmed = text.replace(/\r?\n$/, '');
    if (trimmed === '') {
      problems.push(`${fileVar}=${JSON.stringify(path)} is empty; put the secret in the file`);
      return null;
    }
    return trimmed;
  }
  return hasValue ? value : null;
}

/** A boolean variable as written (true/false, 1/0, yes/no, on/off), or null when unset; a bad value is a problem. */
export function explicitBool(env: Env, name: string, problems: string[]): boolean | null {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return null;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  problems.push(`${name}=${JSON.stringify(env[name])} is not a boolean; set ${name}=true or ${name}=false`);
  return null;
}

/**
 * KAFKA_SSL*, KAFKA_SASL*. A CA or client certificate turns TLS on by itself: those files mean
 * nothing without TLS, and the inference can only add protection. KAFKA_SSL=false beside them is a
 * contradiction and an error. SASL needs TLS unless KAFKA_SSL=false says plaintext is meant: PLAIN
 * sends the password as it is, and managed clusters only offer SASL_SSL, so a forgotten KAFKA_SSL is
 * far likelier than a deliberate plaintext SASL listener.
 */
export function readKafkaSecurity(env: Env, problems: string[]): KafkaSecurity {
  const ssl = explicitBool(env, 'KAFKA_SSL', problems);
  const ca = pemFile(env, 'KAFKA_SSL_CA_FILE', problems);
  const cert = pemFile(env, 'KAFKA_SSL_CERT_FILE', problems);
  const key = pemFile(env, 'KAFKA_SSL_KEY_FILE', problems);
  const certSet = !!env.KAFKA_SSL_CERT_FILE?.trim();
  const keySet = !!env.KAFKA_SSL_KEY_FILE?.trim();
  if (certSet !== keySet) {
    const [given, missing] = certSet ? ['KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] : ['KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_CERT_FILE'];
    problems.push(`${given} is set without ${missing}; mutual TLS needs both the client certificate and its private key`);
  }
  const tlsFiles = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter((n) => !!env[n]?.trim());
  if (ssl === false && tlsFiles.length > 0) {
    problems.push(`KAFKA_SSL=false contradicts ${tlsFiles.join(', ')}; set KAFKA_SSL=true (or leave it unset) or remove the TLS files`);
  }
  const tls = ssl === true || (ssl === null && tlsFiles.length > 0) ? redacting({ ca, cert, key }, ['key']) : null;

  const rawMechanism = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase() ?? '';
  const username = secret(env, 'KAFKA_SASL_USERNAME', problems);
  const password = secret(env, 'KAFKA_SASL_PASSWORD', problems);
  let sasl: KafkaSasl | null = null;
  if (rawMechanism === '') {
    const given = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'].filter((n) => !!env[n] || !!env[`${n}_FILE`]?.trim());
    if (given.length > 0) {
      problems.push(`${given.join(' and ')} set without KAFKA_SASL_MECHANISM; set KAFKA_SASL_MECHANISM=${SASL_MECHANISMS.join(' | ')}`);
    }
  } else if (!(SASL_MECHANISMS as readonly string[]).includes(rawMechanism)) {
    problems.push(
      `KAFKA_SASL_MECHANISM=${JSON.stringify(env.KAFKA_SASL_MECHANISM)} is not supported; set one of ${SASL_MECHANISMS.join(', ')}`,
    );
  } else {
    if (username === null && !env.KAFKA_SASL_USERNAME_FILE?.trim()) {
      problems.push(`KAFKA_SASL_MECHANISM=${rawMechanism} needs KAFKA_SASL_USERNAME (or KAFKA_SASL_USERNAME_FILE)`);
    }
    if (password === null && !env.KAFKA_SASL_PASSWORD_FILE?.trim()) {
      problems.push(`KAFKA_SASL_MECHANISM=${rawMechanism} needs KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)`);
    }
    if (username !== null && password !== null)
      sasl = redacting({ mechanism: rawMechanism as SaslMechanism, username, password }, ['password']);
    if (ssl === null && tls === null) {
      problems.push(
        `KAFKA_SASL_MECHANISM=${rawMechanism} without TLS would send the credentials unencrypted; set KAFKA_SSL=true (managed clusters use SASL_SSL), or KAFKA_SSL=false to accept plaintext SASL on a trusted network`,
      );
    }
  }
  return { tls, sasl, saslInPlaintext: sasl !== null && ssl === false };
}

/** SCHEMA_REGISTRY_USERNAME with SCHEMA_REGISTRY_PASSWORD (or _FILE): basic auth to an external registry. */
export function readRegistryAuth(env: Env, registryUrl: string | null, problems: string[]): BasicAuth | null {
  const username = secret(env, 'SCHEMA_REGISTRY_USERNAME', problems, false);
  const password = secret(env, 'SCHEMA_REGISTRY_PASSWORD', problems);
  const passwordGiven = password !== null || !!env.SCHEMA_REGISTRY_PASSWORD_FILE?.trim();
  if (username !== null && !passwordGiven) {
    problems.push(
      'SCHEMA_REGISTRY_USERNAME is set without SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE); set both or neither',
    );
  }
  if (username === null && passwordGiven) {
    problems.push('SCHEMA_REGISTRY_PASSWORD is set without SCHEMA_REGISTRY_USERNAME; set both or neither');
  }
  if (username !== null && password !== null && registryUrl === null) {
    problems.push(
      'SCHEMA_REGISTRY_USERNAME/PASSWORD are set without SCHEMA_REGISTRY_URL; they are for an external registry, set SCHEMA_REGISTRY_URL too',
    );
    return null;
  }
  return username !== null && password !== null ? redacting({ username, password }, ['password']) : null;
}
