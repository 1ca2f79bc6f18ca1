// JSON over HTTP for the REST components (Kafka Connect, the schema registry's config API).
import { ComponentRequestError, ServiceUnavailableError, nextStep, redactUrl, unreachable, type Component } from './errors.js';

export interface HttpResponse<T> {
  status: number;
  body: T;
}

/**
 * Sends a JSON request. 5xx, 408, 429 and network failures are ServiceUnavailableError
 * (retriable); other non-2xx answers are ComponentRequestError unless listed in `accept`.
 * Errors name `target` (default: the URL), e.g. the component's base URL.
 */
export async function requestJson<T = unknown>(
  component: Component,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
  options: { accept?: number[]; timeoutMs?: number; contentType?: string; target?: string } = {},
): Promise<HttpResponse<T>> {
  const target = redactUrl(options.target ?? url);
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
    throw unreachable(component, target, e);
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
    throw new ServiceUnavailableError(component, target, `HTTP ${response.status} ${detail} (${nextStep(component)})`);
  }
  throw new ComponentRequestError(component, target, response.status, `${method} ${u.pathname}: ${detail}`);
}
