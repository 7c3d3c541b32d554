// api.js: every call to the docgen API. The base URL is the console's own, one level up
// (/console -> /, /api/console -> /api/), so it works locally and on a deployed stage.
// The API key lives in this tab's sessionStorage only and goes out as x-api-key.

const KEY = "docgen.apiKey";
const BASE = new URL("../", import.meta.url);

/** An answer that was not 2xx: the API's {Code, Message}, and the response itself. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const apiKey = () => sessionStorage.getItem(KEY) ?? "";

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** A path segment: identifiers are already safe, but never trust that in a URL. */
export const seg = (value) => encodeURIComponent(value);

/** Call the API: JSON in and out; a non-2xx answer throws ApiError. */
export async function call(method, path, { body, headers = {}, signal } = {}) {
  const sent = { ...headers };
  if (apiKey()) sent["x-api-key"] = apiKey();
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const response = await fetch(new URL(path.replace(/^\//, ""), BASE), {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { Message: text };
  }
  if (!response.ok) {
    let message = data?.Message ?? `${response.status} ${response.statusText}`;
    if (response.status === 403) message += " (give this stage's API key above)";
    throw new ApiError(response.status, data?.Code ?? "Error", message);
  }
  return { data, etag: response.headers.get("ETag") };
}

/** One page of a list: {items, next}. */
export async function page(path, next = null, limit = 50) {
  const [bare, given = ""] = path.split("?");
  const query = new URLSearchParams(given);
  query.set("limit", String(limit));
  if (next) query.set("next", next);
  return (await call("GET", `${bare}?${query}`)).data;
}

/** Every item of a list, up to ``most`` (for pickers: customers, letterheads). */
export async function everything(path, most = 1000) {
  const items = [];
  let next = null;
  do {
    const got = await page(path, next, 100);
    items.push(...got.items);
    next = got.next;
  } while (next && items.length < most);
  return items;
}
