import { describe, expect, it } from 'vitest';
import { kafkaSecurityOptions } from '../../src/log/kafka-security.js';

describe('kafkaSecurityOptions', () => {
  it('is plaintext without TLS or SASL', () => {
    expect(kafkaSecurityOptions({ tls: null, sasl: null })).toEqual({ ssl: undefined, sasl: undefined });
  });

  it('maps mutual TLS and SASL to kafkajs options, certificate checks on', () => {
    expect(
      kafkaSecurityOptions({
        tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
        sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'pw' },
      }),
    ).toEqual({
      ssl: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'pw' },
    });
  });

  it('uses the system CAs when no CA file is given', () => {
    expect(kafkaSecurityOptions({ tls: { ca: null, cert: null, key: null }, sasl: null }).ssl).toEqual({ rejectUnauthorized: true });
  });
});
