// The desktop page: noVNC (from the host's novnc package, served under
// /client/novnc/) connected through deskplane's WebSocket proxy.
import RFB from '/client/novnc/core/rfb.js';

const screen = document.getElementById('screen');
const status = document.getElementById('status');
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + screen.dataset.ws;

const rfb = new RFB(screen, url, { wsProtocols: ['binary'] });
rfb.scaleViewport = true;
rfb.resizeSession = false;
rfb.focusOnClick = true;

rfb.addEventListener('connect', () => {
  status.textContent = 'Connected';
  document.body.dataset.connected = 'true';
  rfb.focus();
});

rfb.addEventListener('disconnect', async () => {
  document.body.dataset.connected = 'false';
  status.textContent = 'Disconnected.';
  try {
    const r = await fetch('/client/workspaces.json', { credentials: 'same-origin' });
    if (r.ok) {
      const w = (await r.json()).workspaces.find((x) => x.id === screen.dataset.id);
      if (w && !w.connectable && w.reason) { status.textContent = 'Disconnected. ' + w.reason; }
    }
  } catch { /* keep the plain message */ }
});

document.getElementById('disconnect').addEventListener('click', () => rfb.disconnect());
