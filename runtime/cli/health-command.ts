/**
 * `model-compose health [--url URL]`: exits 0 when the controller's /health answers
 * `ok`, 1 otherwise. Container HEALTHCHECKs use it, so images need no curl or wget.
 */
export async function healthCommand(opts: { url?: string; timeout?: string }): Promise<number> {
  const url = opts.url ?? `http://127.0.0.1:${process.env.MODEL_COMPOSE_PORT ?? "8080"}/health`;
  const timeoutMs = Number(opts.timeout ?? "3000");
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    if (res.ok) return 0;
    process.stderr.write(`unhealthy: ${url} answered ${res.status} ${body.slice(0, 200)}\n`);
  } catch (error) {
    process.stderr.write(`unhealthy: ${url}: ${(error as Error).message}\n`);
  }
  return 1;
}
