/**
 * A cookie jar in either style Crawlee's interface allows: tough-cookie's
 * callback style or a promise style. Both methods are called with a callback
 * and the result taken from whichever answers: a returned promise, or the callback.
 */
export interface CookieJarLike {
  getCookieString(url: string, ...rest: never[]): unknown;
  setCookie(rawCookie: string, url: string, ...rest: never[]): unknown;
}

type Callback<T> = (error: Error | null, value: T) => void;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function callEitherStyle<T>(call: (cb: Callback<T>) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const returned = call((error, value) => (error ? reject(error) : resolve(value)));
    if (isThenable(returned)) returned.then((v) => resolve(v as T), reject);
  });
}

/** The Cookie header value the jar has for `url` ('' for none). */
export async function cookieHeaderFor(jar: CookieJarLike, url: string): Promise<string> {
  const get = jar.getCookieString as (url: string, cb: Callback<string>) => unknown;
  const value = await callEitherStyle<string>((cb) => get.call(jar, url, cb));
  return typeof value === 'string' ? value : '';
}

/**
 * Feeds one response's Set-Cookie headers to the jar. A cookie the jar
 * refuses (wrong domain, malformed) is left out, as a browser would; the
 * response itself is recorded as received either way.
 */
export async function storeCookies(jar: CookieJarLike, setCookies: readonly string[], url: string): Promise<void> {
  const set = jar.setCookie as (raw: string, url: string, cb: Callback<unknown>) => unknown;
  for (const raw of setCookies) {
    await callEitherStyle<unknown>((cb) => set.call(jar, raw, url, cb)).catch(() => undefined);
  }
}
