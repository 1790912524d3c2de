// The page's one way to the collector's JSON endpoints.
// Invariants: the key lives in sessionStorage only (gone with the tab, never in localStorage or a cookie), goes out
// only as `authorization: Bearer` to this origin, and only to endpoints that need one: public reads never carry it.

const KeyName = 'collector.apiKey';

export const savedKey = () => sessionStorage.getItem(KeyName);
export const saveKey = key => sessionStorage.setItem(KeyName, key);
export const forgetKey = () => sessionStorage.removeItem(KeyName);

/** A refused or failed request: status 401 (no valid key), 403 (wrong role), 503 (storage away), ... */
export class ApiError extends Error {
  constructor(status, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
  }
}

/** Whether the saved key may GET path (any 2xx); the answer itself is not read. Throws ApiError on 401. */
export async function allowed(path) {
  const key = savedKey();
  const response = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {}, cache: 'no-store' });
  const body = await response.text();
  if (response.status === 401) {
    throw new ApiError(401, errorText(body));
  }
  return response.ok;
}

/** GET path as JSON; `withKey` false for public endpoints. Throws ApiError on any non-2xx answer. */
export async function getJson(path, withKey = true) {
  const headers = { accept: 'application/json' };
  const key = withKey ? savedKey() : null;
  if (key) {
    headers.authorization = `Bearer ${key}`;
  }

  const response = await fetch(path, { headers, cache: 'no-store' });
  if (!response.ok) {
    throw new ApiError(response.status, errorText(await response.text()));
  }
  return response.json();
}

/** The reason in an error answer's JSON ({"error": ...} or problem details), or '' when it has none. */
function errorText(body) {
  try {
    const answer = JSON.parse(body);
    return answer.error || answer.detail || answer.title || '';
  } catch {
    return ''; // no JSON body: the status says enough
  }
}
