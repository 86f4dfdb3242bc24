/**
 * The URL list of `warcwire capture`: positional URLs and lines of an input
 * file. Every bad entry is reported (with where it came from) before anything
 * is fetched, so a typo on line 9000 does not surface after an hour of crawling.
 */

export interface UrlListProblem {
  /** e.g. `urls.txt line 3` or `argument 2`. */
  where: string;
  message: string;
}

export interface UrlList {
  urls: string[];
  problems: UrlListProblem[];
}

function problemWith(text: string): string | undefined {
  // The URL parser would drop tabs and percent-encode spaces: `/page/9<TAB>1` would fetch `/page/91`.
  const blank = /\s/.exec(text);
  if (blank !== null) {
    if (problemWith(text.slice(0, blank.index)) !== undefined) return `not a URL: ${JSON.stringify(text)}`;
    return `whitespace inside the URL ${JSON.stringify(text)} at character ${blank.index + 1} (one URL a line; a note after the URL goes after " #")`;
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return `not a URL: ${JSON.stringify(text)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `only http and https URLs can be captured, got ${parsed.protocol} in ${JSON.stringify(text)}`;
  return undefined;
}

/**
 * Checks positional URLs and the text of an input list named `inputName` (one
 * URL a line; blank lines and `#` comments skipped; whitespace inside a URL is
 * a problem, never a part of it), in that order.
 */
export function parseUrlList(positionals: readonly string[], inputText: string | undefined, inputName = 'input'): UrlList {
  const urls: string[] = [];
  const problems: UrlListProblem[] = [];
  positionals.forEach((u, i) => {
    const problem = problemWith(u);
    if (problem === undefined) urls.push(u);
    else problems.push({ where: `argument ${i + 1}`, message: problem });
  });
  if (inputText !== undefined) {
    inputText.split('\n').forEach((raw, i) => {
      // A `#` starts a comment only at the start of a line or after blanks: URLs have fragments.
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (line === '') return;
      const problem = problemWith(line);
      if (problem === undefined) urls.push(line);
      else problems.push({ where: `${inputName} line ${i + 1}`, message: problem });
    });
  }
  return { urls, problems };
}
