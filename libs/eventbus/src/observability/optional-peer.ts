/**
 * Loads an optional peer dependency, or resolves undefined when it is not installed. Any other failure (the
 * package is there but throws while loading) is passed on.
 */
export async function loadOptionalPeer<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
