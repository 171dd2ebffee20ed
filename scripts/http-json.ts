/** JSON over HTTP for the scripts that drive a running server. */

export interface JsonReply<T> {
  status: number;
  /** The parsed answer (null for an empty one); `T` is what the caller expects, not checked. */
  body: T;
}

/** Sends `body` (JSON-encoded unless already a string) and parses the answer; a non-JSON answer is an error. */
export async function requestJson<T>(url: string, method = 'GET', body?: unknown): Promise<JsonReply<T>> {
  const sent = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(url, { method, body: sent, headers: sent === undefined ? {} : { 'content-type': 'application/json' } });
  const text = await r.text();
  try {
    return { status: r.status, body: (text === '' ? null : JSON.parse(text)) as T };
  } catch {
    throw new Error(`${method} ${url} answered ${r.status} with non-JSON: ${text.slice(0, 300)}`);
  }
}
