// JSON over HTTP for the REST components (Kafka Connect, the schema registry's config API).
import { ComponentRequestError, ServiceUnavailableError, redactUrl, type Component } from './errors.js';

const HINTS: Partial<Record<Component, string>> = {
  connect: 'is Kafka Connect running? `cashflow stack status`, KAFKA_CONNECT_URL',
  'schema-registry': 'is the schema registry running? `cashflow stack status`, SCHEMA_REGISTRY_URL',
};

export interface HttpResponse<T> {
  status: number;
  body: T;
}

/**
 * Sends a JSON request. 5xx, 408, 429 and network failures are ServiceUnavailableError
 * (retriable); other non-2xx answers are ComponentRequestError unless listed in `accept`.
 */
export async function requestJson<T = unknown>(
  component: Component,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
  options: { accept?: number[]; timeoutMs?: number; contentType?: string } = {},
): Promise<HttpResponse<T>> {
  const target = redactUrl(url);
  let response: Response;
  const u = new URL(url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (u.username) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  try {
    response = await fetch(u, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (e as Error).message;
    throw new ServiceUnavailableError(
      component,
      target,
      `${reason} (${HINTS[component] ?? 'check the URL'})`,
      { cause: e },
    );
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  if (response.ok || options.accept?.includes(response.status))
    return { status: response.status, body: parsed as T };
  const detail =
    typeof parsed === 'object' && parsed && 'message' in parsed
      ? String((parsed as { message: unknown }).message)
      : text.slice(0, 500);
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new ServiceUnavailableError(component, target, `HTTP ${response.status} ${detail}`);
  }
  throw new ComponentRequestError(component, target, response.status, `${method} ${u.pathname}: ${detail}`);
}
