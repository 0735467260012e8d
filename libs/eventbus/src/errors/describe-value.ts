const MAX_LENGTH = 120;

/** Renders a value for an error message: JSON where possible, cut to 120 characters. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}...` : text;
}

/** Replaces control characters (line breaks included) with spaces: error messages travel as header values. */
export function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}

/** A readable reason for any thrown value: `Name: message` for errors, the value itself otherwise. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  return describeValue(error);
}
