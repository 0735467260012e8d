import type { IHeaders } from 'kafkajs';

/**
 * Kafka record headers as UTF-8 strings. Of a repeated header key the last value wins (Kafka's
 * `lastHeader`); a header without a value becomes `''`. For handlers only: a value that is not UTF-8 does
 * not survive this, so dead letters are written from the record's own headers.
 */
export function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  for (const key of Object.keys(headers)) result[key] = stringValue(headers[key]);
  return result;
}

/** One header of `stringHeaders(headers)`, converting only its value; undefined when there is no such key. */
export function stringHeader(headers: IHeaders | undefined, name: string): string | undefined {
  return headers && Object.hasOwn(headers, name) ? stringValue(headers[name]) : undefined;
}

function stringValue(value: IHeaders[string]): string {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined ? '' : last.toString();
}
