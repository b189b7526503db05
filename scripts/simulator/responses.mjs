import { STATUS_CODES } from 'node:http';

// Cloudflare's own wording for the statuses its error pages use.
const CLOUDFLARE_TITLES = {
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway time-out',
  520: 'Web server is returning an unknown error',
  521: 'Web server is down',
  522: 'Connection timed out',
  523: 'Origin is unreachable',
  524: 'A timeout occurred',
};

export const reason = (status) => STATUS_CODES[status] ?? 'Error';

export const httpDate = (ms) => new Date(ms).toUTCString();

// Body builders bound to one provider's content types. A result is
// { status?, contentType, body, headers? }; the server adds the provider's common headers.
export function bodies(jsonType, textType) {
  return {
    json: (value, extra) => ({ contentType: jsonType, body: JSON.stringify(value), ...extra }),
    text: (body, extra) => ({ contentType: textType, body, ...extra }),
  };
}

export function cloudflarePage(status, host, rayId) {
  const title = CLOUDFLARE_TITLES[status] ?? reason(status);
  return `<!DOCTYPE html>
<html lang="en-US">
<head>
<title>${host} | ${status}: ${title}</title>
<meta charset="UTF-8" />
<meta name="robots" content="noindex, nofollow" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="cf-error-details-wrapper">
<h1><span class="cf-error-type">Error</span> <span class="cf-error-code">${status}</span></h1>
<h2 class="cf-subheadline">${title}</h2>
<p>The web server reported an error while serving ${host}.</p>
<div class="cf-error-footer"><span>Cloudflare Ray ID: <strong>${rayId}</strong></span> &bull; <span>Performance &amp; security by Cloudflare</span></div>
</div>
</div>
</body>
</html>
`;
}

// A handler or error result plus the headers it inherits → { status, headers, body }.
export const toResponse = (result, headers = {}) => ({
  status: result.status ?? 200,
  headers: { 'content-type': result.contentType, ...headers, ...result.headers },
  body: result.body,
});
