/** The attempt ran longer than `dispatcher.handlerTimeoutMs`; it fails like a thrown error. */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`handler did not finish within ${timeoutMs} ms`);
  }
}
