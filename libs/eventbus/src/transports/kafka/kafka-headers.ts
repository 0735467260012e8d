import type { IHeaders } from 'kafkajs';

/**
 * Kafka record headers as UTF-8 strings. Of a repeated header key the last value wins (Kafka's
 * `lastHeader`); a header without a value becomes `''`. For handlers only: a value that is not UTF-8 does
 * not survive this, so dead letters are written from the record's own headers.
 */
export function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    result[key] = last === undefined ? '' : last.toString();
  }
  return result;
}
