// A small AWS Signature Version 4 signer and the few API calls the browser
// test makes, so that it needs no AWS SDK or CLI.
import { createHash, createHmac } from 'node:crypto';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const hmac = (k, s) => createHmac('sha256', k).update(s).digest();

export function sign({ method, url, headers, body, service, region, key, secret }) {
  const u = new URL(url);
  const now = new Date();
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const h = { ...headers, host: u.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': sha256(body) };
  const names = Object.keys(h).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  const query = [...u.searchParams.entries()]
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = [method, u.pathname || '/', query,
    names.map((n) => `${n}:${lower[n]}\n`).join(''), names.join(';'), sha256(body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let k = hmac('AWS4' + secret, date);
  k = hmac(k, region);
  k = hmac(k, service);
  k = hmac(k, 'aws4_request');
  const sig = createHmac('sha256', k).update(toSign).digest('hex');
  return { ...h, authorization: `AWS4-HMAC-SHA256 Credential=${key}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}` };
}

// client returns call(service, operation, input) for AWS JSON 1.1
// (WorkSpaces, Directory Service) and rest(method, path, input) for
// Directory Service Data.
export function client(endpoint, { key = 'test', secret = 'test', region = 'us-east-1' } = {}) {
  const targets = { workspaces: 'WorkspacesService', ds: 'DirectoryService_20150416' };
  async function send(service, method, url, headers, body) {
    const signed = sign({ method, url, headers, body, service, region, key, secret });
    const r = await fetch(url, { method, headers: signed, body });
    const text = await r.text();
    const out = text ? JSON.parse(text) : {};
    if (!r.ok) {
      const err = new Error(`${url} ${headers['x-amz-target'] || ''}: ${r.status} ${text}`);
      err.status = r.status;
      err.body = out;
      throw err;
    }
    return out;
  }
  return {
    call: (service, op, input) => send(service, 'POST', endpoint + '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${targets[service]}.${op}` }, JSON.stringify(input)),
    rest: (method, path, input) => send('ds-data', method, endpoint + path,
      { 'content-type': 'application/json' }, JSON.stringify(input)),
  };
}
