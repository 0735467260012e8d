import { BrokerConnectionError, type BrokerConnectionFailure } from './broker-connection.error';
import { describeError } from './describe-value';
import { scrubSecrets, secretValues } from './secrets';
import type { TransportName } from '../transports/transport.port';

/** Error names of the drivers that mean the broker refused the credentials. */
const AUTHENTICATION_NAMES = new Set([
  'AuthorizationError',
  'UserAuthenticationExpiredError',
  'KafkaJSSASLAuthenticationError',
]);
/** Node's TLS error codes that are not `ERR_TLS_*` / `ERR_SSL_*` (OpenSSL certificate verification results). */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** `error` and its causes, outermost first (at most 5). */
function chain(error: unknown): { name?: unknown; code?: unknown; message?: unknown }[] {
  const links: { name?: unknown; code?: unknown; message?: unknown }[] = [];
  let current = error;
  while (current !== null && typeof current === 'object' && links.length < 5) {
    links.push(current as { name?: unknown; code?: unknown; message?: unknown });
    current = (current as { cause?: unknown }).cause;
  }
  return links;
}

/** What a failed first connection says about its cause (driver error names, Node TLS codes, messages). */
export function classifyConnectionFailure(error: unknown): BrokerConnectionFailure {
  const links = chain(error);
  const text = links.map((link) => `${String(link.name)} ${String(link.message)}`).join(' ');
  if (
    links.some((link) => AUTHENTICATION_NAMES.has(String(link.name))) ||
    /authori[sz]ation|authenticat/i.test(text)
  ) {
    return 'authentication';
  }
  const tlsCode = links.some((link) => {
    const code = String(link.code);
    return TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_');
  });
  if (tlsCode || /certificate|\btls\b|\bssl\b/i.test(text)) return 'tls';
  return 'unreachable';
}

/**
 * The `BrokerConnectionError` for a failed first connection: the failure classified, the driver's reason
 * (the innermost cause's message) with every secret found in `options` replaced by `[redacted]`.
 */
export function brokerConnectionError(
  transport: TransportName,
  broker: string,
  error: unknown,
  options: unknown,
): BrokerConnectionError {
  if (error instanceof BrokerConnectionError) return error;
  const seen = new Set<string>();
  const reasons: string[] = [];
  for (const link of chain(error)) {
    if (seen.has(String(link.message))) continue;
    seen.add(String(link.message));
    reasons.push(describeError(link));
  }
  const reason = scrubSecrets(reasons.join(', caused by '), secretValues(options));
  return new BrokerConnectionError(transport, broker, classifyConnectionFailure(error), reason);
}
