import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ISocketFactory } from 'kafkajs';
import { classifyConnectionFailure } from '../../errors/connection-failure';

/** TCP keep-alive of kafkajs's own socket factory (ms). */
const KEEP_ALIVE_DELAY_MS = 60_000;

/** kafkajs's default socket factory: TLS when `ssl` is set (SNI for host names), TCP keep-alive 60 s. */
export const defaultSocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : netConnect({ host, port }, onConnect);
  socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
  return socket;
};

/**
 * Lets the first connection fail at once when the TLS handshake fails (an untrusted or mismatching
 * certificate, TLS against a plain-text port). kafkajs retries every connection error `retry.retries` times
 * (about 10 s with its defaults), though a certificate does not change between attempts.
 *
 * `wrap()` wraps the socket factory (the application's `kafka.client.socketFactory`, else kafkajs's default)
 * and watches each TLS socket's errors; `attempt()` rejects on the first TLS failure seen while it runs.
 * After `disarm()` (the first connection succeeded) nothing is watched: reconnects keep kafkajs's behaviour.
 */
export class TlsFailureWatch {
  private armed = true;
  private current: ((error: Error) => void) | undefined;

  wrap(inner: ISocketFactory = defaultSocketFactory): ISocketFactory {
    return (args) => {
      const socket = inner(args);
      if (args.ssl && this.armed) {
        socket.on('error', (error: Error) => {
          if (this.armed && classifyConnectionFailure(error) === 'tls') this.current?.(error);
        });
      }
      return socket;
    };
  }

  /** A promise that rejects with the first TLS failure from now on (never resolves). */
  attempt(): Promise<never> {
    return new Promise<never>((_, reject) => (this.current = reject));
  }

  disarm(): void {
    this.armed = false;
    this.current = undefined;
  }
}
