// The preview's JSON API, with the per-run token the page was opened with.
const token = new URLSearchParams(location.search).get("token") ?? "";
if (location.search) history.replaceState(null, "", "/"); // the token stays out of the address bar once read

/** fetch with the token; JSON in and out; an error answer throws its message. */
export async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { "x-sdx-token": token, ...(options.body ? { "content-type": "application/json" } : {}) },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error?.code ? `${data.error.code}: ${data.error.message}` : data.error?.message ?? response.statusText);
  return data;
}

/** A URL for an image or stream the API serves (img tags and EventSource cannot send headers). */
export const withToken = (path) => `${path}?token=${encodeURIComponent(token)}`;
