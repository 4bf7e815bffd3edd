// The page's only way to the server: JSON requests with the API key, errors as
// ApiError (the server's `{"error": {"code", "message"}}`), and the run event
// stream read with fetch() (EventSource cannot send the Authorization header).

const KEY_STORAGE = 'syncaut.apiKey';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let apiKey = readStoredKey();
let unauthorizedHandler = () => {};

function readStoredKey() {
  try {
    return window.sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function getKey() {
  return apiKey;
}

/** Keeps the key for this tab (sessionStorage: gone when the tab closes). */
export function setKey(key) {
  apiKey = key || '';
  try {
    if (apiKey) window.sessionStorage.setItem(KEY_STORAGE, apiKey);
    else window.sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage can be disabled; the key then lives in memory only.
  }
}

/** Called with the ApiError of any 401 answer (the page then asks for the key again). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

async function errorFrom(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: described by the status below.
  }
  const detail = body && body.error;
  const err =
    detail && typeof detail.message === 'string'
      ? new ApiError(res.status, detail.code || `http_${res.status}`, detail.message)
      : new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim());
  if (res.status === 401) unauthorizedHandler(err);
  return err;
}

async function send(method, path, body, signal) {
  const headers = { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', `Could not reach the server (${e && e.message ? e.message : e}).`);
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

const seg = encodeURIComponent;

export const api = {
  actions: (signal) => send('GET', '/v1/actions', undefined, signal),
  action: (id, signal) => send('GET', `/v1/actions/${seg(id)}`, undefined, signal),
  variables: (id, step, signal) =>
    send('GET', `/v1/actions/${seg(id)}/variables?step=${seg(step)}`, undefined, signal),
  options: (source, body, signal) => send('POST', `/v1/options/${seg(source)}`, body, signal),
  credentials: () => send('GET', '/v1/credentials'),
  addCredential: (name, token) => send('POST', '/v1/credentials', { name, token }),
  deleteCredential: (name) => send('DELETE', `/v1/credentials/${seg(name)}`),
  testCredential: (name, storeHash) => send('POST', `/v1/credentials/${seg(name)}/test`, { storeHash }),
  createRun: (workflow) => send('POST', '/v1/runs', { workflow }),
  runs: (limit = 20) => send('GET', `/v1/runs?limit=${limit}`),
  run: (id, signal) => send('GET', `/v1/runs/${seg(id)}`, undefined, signal),
  cancelRun: (id) => send('POST', `/v1/runs/${seg(id)}/cancel`),
};

/**
 * Reads `GET /v1/runs/{id}/events` (Server-Sent Events) until the server ends the
 * stream, calling `onEvent({id, event, data})` for each event (data parsed as JSON).
 * Returns the id of the last event seen, to resume with `after`.
 */
export async function streamRunEvents(runId, { after, signal, onEvent }) {
  const query = after ? `?after=${seg(String(after))}` : '';
  let res;
  try {
    res = await fetch(`/v1/runs/${seg(runId)}/events${query}`, {
      headers: { Authorization: `Bearer ${apiKey}`, Accept: 'text/event-stream' },
      signal,
      cache: 'no-store',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', `Lost the run's event stream (${e && e.message ? e.message : e}).`);
  }
  if (!res.ok) throw await errorFrom(res);
  if (!res.body) throw new ApiError(0, 'no_stream', 'This browser cannot read a streamed answer.');

  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let lastId = after;
  let buffer = '';
  let event = { id: undefined, type: '', data: [] };

  const dispatch = () => {
    if (event.id !== undefined) lastId = event.id;
    if (event.data.length > 0) {
      const raw = event.data.join('\n');
      let data;
      try {
        data = JSON.parse(raw);
      } catch {
        data = raw;
      }
      onEvent({ id: event.id, event: event.type || 'message', data });
    }
    event = { id: undefined, type: '', data: [] };
  };

  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return undefined; // comment / keep-alive
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') event.data.push(value);
    else if (field === 'event') event.type = value;
    else if (field === 'id') event.id = value;
    return undefined;
  };

  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      let text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      line(text);
    }
  }
  buffer += decoder.decode();
  if (buffer) line(buffer.replace(/\r$/, ''));
  dispatch();
  return lastId;
}
