// Keeps the WorkSpaces list current: states change while the page is open
// (an AUTO_STOP WorkSpace starting after sign-in, an administrator's stop).
const table = document.getElementById('workspaces');

function render(rows) {
  const body = table.tBodies[0];
  for (const w of rows) {
    const tr = body.querySelector(`tr[data-id="${CSS.escape(w.id)}"]`);
    if (!tr) { continue; }
    tr.querySelector('.state').textContent = w.state + (w.connected ? ' · connected' : '');
    const act = tr.querySelector('.act');
    act.replaceChildren();
    if (w.connectable) {
      const a = document.createElement('a');
      a.className = 'button connect';
      a.href = '/client/desktop/' + encodeURIComponent(w.id);
      a.textContent = 'Connect';
      act.append(a);
    } else {
      const s = document.createElement('span');
      s.className = 'reason';
      s.textContent = w.reason || '';
      act.append(s);
    }
  }
}

async function poll() {
  try {
    const r = await fetch('/client/workspaces.json', { credentials: 'same-origin' });
    if (r.status === 401 || r.status === 403) { location.href = '/client/'; return; }
    if (r.ok) { render((await r.json()).workspaces); }
  } catch { /* try again */ }
  setTimeout(poll, 3000);
}
setTimeout(poll, 3000);
