/**
 * True when every subject `subject` can match is also matched by `pattern` (NATS wildcards: `*` one token,
 * `>` one or more trailing tokens). Used to avoid adding a subject a stream already captures.
 */
export function subjectCovers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || s[i] === '>') return false;
    if (p[i] !== '*' && (s[i] === '*' || p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
