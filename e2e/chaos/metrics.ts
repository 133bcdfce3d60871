/**
 * Sum of a Prometheus metric's samples (all label sets) from a coordinator's /metrics, served on
 * its metrics listener (`RunningCoordinator.metricsUrl`), not the API port.
 */
export async function scrapeMetric(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m?.[1] === name) sum += Number(m[3]);
  }
  return sum;
}

/** How many providers serve a model, from /v1/models (0 when the model is not listed). */
export async function providerCount(url: string, apiKey: string, model: string): Promise<number> {
  const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await res.json()) as { data?: Array<{ id: string; providers?: number }> };
  return body.data?.find((m) => m.id === model)?.providers ?? 0;
}
