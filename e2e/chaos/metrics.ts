/**
 * Sum of a Prometheus metric's samples (all label sets, or only `labels`, written as exposed:
 * `{outcome="queued"}`) from a coordinator's /metrics, served on its metrics listener
 * (`RunningCoordinator.metricsUrl`), not the API port.
 */
export async function scrapeMetric(
  metricsUrl: string,
  name: string,
  labels?: string,
): Promise<number> {
  return sumSamples(await (await fetch(`${metricsUrl}/metrics`)).text(), name, labels);
}

/** Sum of a metric's samples in a /metrics text (see `scrapeMetric`). */
export function sumSamples(text: string, name: string, labels?: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m?.[1] === name && (labels === undefined || m[2] === labels)) sum += Number(m[3]);
  }
  return sum;
}

/** How many providers serve a model, from /v1/models (0 when the model is not listed). */
export async function providerCount(url: string, apiKey: string, model: string): Promise<number> {
  const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await res.json()) as { data?: Array<{ id: string; providers?: number }> };
  return body.data?.find((m) => m.id === model)?.providers ?? 0;
}
