/** The configuration's Kafka TLS and SASL as kafkajs client options. */
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { Config } from '../config.js';

type KafkaSecurityConfig = Pick<NonNullable<Config['kafka']>, 'tls' | 'sasl'>;

export function kafkaSecurityOptions(kafka: KafkaSecurityConfig): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = kafka;
  return {
    // Certificate checks stay on whatever Node's defaults become: a managed cluster's name must match.
    ssl:
      tls === null
        ? undefined
        : {
            rejectUnauthorized: true,
            ...(tls.ca === null ? {} : { ca: tls.ca }),
            ...(tls.cert === null ? {} : { cert: tls.cert }),
            ...(tls.key === null ? {} : { key: tls.key }),
          },
    // The three mechanisms take the same username/password options; TypeScript cannot see that through the union.
    sasl: sasl === null ? undefined : ({ mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions),
  };
}
