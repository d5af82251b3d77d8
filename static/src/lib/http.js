// JSON requests to our own server, as every editor makes them: same-origin
// credentials, the CSRF token Flask-WTF expects, never from the HTTP cache
// (a reload after a conflict must see the saved version).
import { parseJSON } from './dom';

/**
 * `api.get(url)` / `api.post(url, body)` resolve to `{status, ok, data}`
 * (`data`: the parsed JSON answer, `{}` if there is none); they reject only
 * when the request itself fails (network).
 */
export function createApi(csrfToken) {
  function request(method, url, body) {
    var headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    if (csrfToken) {
      headers['X-CSRFToken'] = csrfToken;
    }
    return fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: headers,
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.text().then(function (text) {
        return { status: response.status, ok: response.ok, data: parseJSON(text, {}) || {} };
      });
    });
  }
  return {
    get: function (url) {
      return request('GET', url);
    },
    post: function (url, body) {
      return request('POST', url, body);
    },
  };
}
