// Browser test of the deskplane web client, against the built binary with
// real desktops (-desktops local): playwright-core driving Debian's
// Chromium (/usr/bin/chromium), never a downloaded browser; noVNC from
// Debian's novnc package.
//
//   DESKPLANE_BIN=/path/to/deskplane SCREENSHOT_DIR=/tmp/shots npm test
//
// A directory user, created with Directory Service Data and given a
// password with ResetUserPassword, enters the registration code, signs in,
// sees their WorkSpace, connects, and the desktop's canvas shows pixels;
// the API then says the WorkSpace is CONNECTED, and DISCONNECTED after
// the user disconnects. Without root, Chromium, noVNC or the desktop
// packages the test is skipped with a message, unless CI is set.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { client } from './sigv4.mjs';

const BIN = process.env.DESKPLANE_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const NOVNC = process.env.NOVNC_DIR || '/usr/share/novnc';
const SHOTS = process.env.SCREENSHOT_DIR || mkdtempSync(join(tmpdir(), 'webclient-shots-'));
const TOKEN = 'e2e-admin-token-' + Math.random().toString(36).slice(2);
const USER = 'alice';
const PASSWORD = 'Web-Client-Pa55word';

function missing() {
  const out = [];
  const has = (cmd) => { try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; } };
  if (!existsSync(CHROMIUM)) { out.push('chromium'); }
  if (!existsSync(join(NOVNC, 'core', 'rfb.js'))) { out.push('novnc'); }
  for (const [cmd, pkg] of [['Xvnc', 'tigervnc-standalone-server'], ['openbox', 'openbox'], ['xterm', 'xterm'], ['bwrap', 'bubblewrap']]) {
    if (!has(cmd)) { out.push(pkg); }
  }
  if (process.getuid && process.getuid() !== 0) { out.push('root (real desktops need it)'); }
  return out;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer() {
  assert.ok(BIN && existsSync(BIN), 'set DESKPLANE_BIN to the built deskplane binary');
  const dir = mkdtempSync(join(tmpdir(), 'webclient-e2e-'));
  const port = await freePort();
  // A uid range of its own, so that another deskplane on the host does not collide.
  const uids = 20000000 + Math.floor(Math.random() * 200) * 100000;
  const proc = spawn(BIN, ['-addr', `127.0.0.1:${port}`, '-data-dir', join(dir, 'data'), '-timing', 'fast',
    '-desktops', 'local', '-desktop-uids', String(uids), '-novnc-dir', NOVNC, '-log-level', 'warn'],
  { env: { ...process.env, DESKPLANE_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      const r = await fetch(base + '/health');
      if (r.ok) { return { base, proc, log: () => log }; }
    } catch { /* not up yet */ }
    if (proc.exitCode !== null) { break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('deskplane did not start:\n' + log);
}

async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) { return last; }
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${ms / 1000} s (last: ${last})`);
}

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, name + '.png');
  await page.screenshot({ path });
  console.log('screenshot', path);
}

test('a directory user signs in and reaches a real desktop', async (t) => {
  const gaps = missing();
  if (gaps.length) {
    const msg = `the web client browser test needs ${gaps.join(', ')}; apt-get install -y chromium novnc tigervnc-standalone-server openbox xterm bubblewrap, and run as root`;
    if (process.env.CI) { assert.fail(msg + ' (CI is set, so this test must run)'); }
    t.skip(msg);
    return;
  }
  const srv = await startServer();
  const api = client(srv.base);
  let browser;
  let wsId;
  t.after(async () => {
    if (browser) { await browser.close(); }
    if (wsId) {
      // Desktops outlive deskplane: terminate the WorkSpace first.
      try {
        await api.call('workspaces', 'TerminateWorkspaces', { TerminateWorkspaceRequests: [{ WorkspaceId: wsId }] });
        await until('the WorkSpace is gone', async () => {
          const out = await api.call('workspaces', 'DescribeWorkspaces', { WorkspaceIds: [wsId] });
          return out.Workspaces.length === 0 || out.Workspaces[0].State === 'TERMINATED';
        }, 60000);
      } catch (e) { console.log('cleanup:', e.message); }
    }
    srv.proc.kill();
  });

  // The administrator's side: a directory, registered, web access
  // allowed, a user with a password, a WorkSpace.
  const dir = await api.call('ds', 'CreateDirectory', {
    Name: 'corp.example.com', Password: 'Admin-Pa55word-1', Size: 'Small',
    VpcSettings: { VpcId: 'vpc-0123456789abcdef0', SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] },
  });
  const dirId = dir.DirectoryId;
  await until('the directory is Active', async () => {
    const out = await api.call('ds', 'DescribeDirectories', { DirectoryIds: [dirId] });
    return out.DirectoryDescriptions[0].Stage === 'Active';
  });
  await api.call('workspaces', 'RegisterWorkspaceDirectory', { DirectoryId: dirId });
  const code = await until('the directory is REGISTERED', async () => {
    const out = await api.call('workspaces', 'DescribeWorkspaceDirectories', { DirectoryIds: [dirId] });
    const d = out.Directories[0];
    return d.State === 'REGISTERED' && d.RegistrationCode;
  });
  await api.call('workspaces', 'ModifyWorkspaceAccessProperties', { ResourceId: dirId, WorkspaceAccessProperties: { DeviceTypeWeb: 'ALLOW' } });
  await api.rest('POST', `/Users/CreateUser?DirectoryId=${dirId}`, { SAMAccountName: USER, GivenName: 'Alice' });
  await api.call('ds', 'ResetUserPassword', { DirectoryId: dirId, UserName: USER, NewPassword: PASSWORD });
  const bundles = await api.call('workspaces', 'DescribeWorkspaceBundles', { Owner: 'AMAZON' });
  const bundle = bundles.Bundles.find((b) => b.ComputeType.Name === 'STANDARD') || bundles.Bundles[0];
  const created = await api.call('workspaces', 'CreateWorkspaces', { Workspaces: [{ DirectoryId: dirId, UserName: USER, BundleId: bundle.BundleId }] });
  assert.equal(created.FailedRequests.length, 0, JSON.stringify(created.FailedRequests));
  wsId = created.PendingRequests[0].WorkspaceId;
  await until('the WorkSpace is AVAILABLE', async () => {
    const out = await api.call('workspaces', 'DescribeWorkspaces', { WorkspaceIds: [wsId] });
    const s = out.Workspaces[0].State;
    if (s === 'ERROR') { throw new Error('ERROR: ' + out.Workspaces[0].ErrorMessage); }
    return s === 'AVAILABLE';
  }, 120000);

  // The user's side, in Chromium.
  browser = await chromium.launch({ executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') { console.log('browser:', m.text()); } });
  await page.goto(srv.base + '/client/');
  await page.fill('#code', code);
  await shot(page, '1-registration');
  await Promise.all([page.waitForNavigation(), page.click('#register')]);
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await shot(page, '2-sign-in');
  await Promise.all([page.waitForNavigation(), page.click('#signin')]);
  assert.equal(new URL(page.url()).pathname, '/client/workspaces', 'signed in: ' + (await page.textContent('main')));
  const row = page.locator(`tr[data-id="${wsId}"]`);
  await row.locator('.state', { hasText: 'AVAILABLE' }).waitFor();
  await shot(page, '3-workspaces');
  await Promise.all([page.waitForNavigation(), row.locator('a.connect').click()]);
  try {
    await page.waitForSelector('body[data-connected="true"]', { state: 'attached', timeout: 30000 });
  } catch (e) {
    await shot(page, 'failed-connect');
    console.log('status:', await page.textContent('#status'), '\nserver log:\n' + srv.log());
    throw e;
  }
  await page.waitForSelector('#screen canvas');

  // The desktop draws: beyond the black root window, its terminal shows
  // (a good share of the sampled pixels are not black, in several colours).
  const sample = () => page.evaluate(() => {
    const c = document.querySelector('#screen canvas');
    if (!c || !c.width || !c.height) { return null; }
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    let lit = 0;
    let n = 0;
    for (let i = 0; i < data.length; i += 4 * 53) {
      n++;
      const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      seen.add(rgb);
      if (rgb !== 0) { lit++; }
    }
    return lit / n > 0.01 && seen.size > 2 ? { colours: seen.size, lit: Math.round((100 * lit) / n) + '%' } : null;
  });
  const drawn = await until('the desktop canvas shows its windows', sample, 40000).catch(async (e) => {
    await shot(page, 'failed-desktop');
    console.log('status:', await page.textContent('#status'), '\nserver log:\n' + srv.log());
    throw e;
  });
  console.log('desktop canvas (sampled):', JSON.stringify(drawn));
  await shot(page, '4-desktop');

  const st = await api.call('workspaces', 'DescribeWorkspacesConnectionStatus', { WorkspaceIds: [wsId] });
  assert.equal(st.WorkspacesConnectionStatus[0].ConnectionState, 'CONNECTED');

  await page.click('#disconnect');
  await page.waitForSelector('body[data-connected="false"]');
  await until('DISCONNECTED after Disconnect', async () => {
    const out = await api.call('workspaces', 'DescribeWorkspacesConnectionStatus', { WorkspaceIds: [wsId] });
    const s = out.WorkspacesConnectionStatus[0];
    return s.ConnectionState === 'DISCONNECTED' && s.LastKnownUserConnectionTimestamp;
  }, 15000);
  assert.deepEqual(errors, [], 'no script errors on the pages');
});
