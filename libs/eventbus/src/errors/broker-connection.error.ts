import type { TransportName } from '../transports/transport.port';

/**
 * Why the first connection failed: the broker refused the credentials (`'authentication'`), the TLS
 * handshake failed (`'tls'`: an untrusted or mismatching certificate, or TLS on one side only), or the broker
 * could not be reached or closed the connection (`'unreachable'`).
 */
export type BrokerConnectionFailure = 'authentication' | 'tls' | 'unreachable';

/** What each failure means, and what to check. */
const EXPLANATIONS: Record<BrokerConnectionFailure, { what: string; check: string }> = {
  authentication: { what: 'the broker refused the credentials', check: 'check the credentials' },
  tls: {
    what: 'the TLS handshake failed',
    check:
      "check the CA that signed the broker's certificate, the certificate's host name, and that TLS is on at both ends",
  },
  unreachable: {
    what: 'the broker cannot be reached or closed the connection',
    check: 'check the address, that the broker runs, and that the TLS and SASL settings match its listener',
  },
};

/**
 * The transport could not connect at start (`listen()` or the first publish). The message names the
 * broker, the kind of failure and the driver's reason; it never contains a secret from the options (they
 * are replaced by `[redacted]`). Reconnects after a successful start are not reported with this error.
 */
export class BrokerConnectionError extends Error {
  override readonly name = 'BrokerConnectionError';

  constructor(
    readonly transport: TransportName,
    /** The broker address(es) tried, e.g. `nats://10.0.0.1:4222` or `kafka-1:9093`. */
    readonly broker: string,
    readonly failure: BrokerConnectionFailure,
    /** The driver's reason, secrets removed. */
    readonly reason: string,
  ) {
    const { what, check } = EXPLANATIONS[failure];
    super(`Cannot connect to ${transport} broker ${broker}: ${what} (${reason}); ${check}.`);
  }
}
