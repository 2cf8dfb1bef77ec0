// deskplane console: live states, tick-all, the scope picker. No framework;
// values from the server are written with textContent only.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // The scope picker goes to the chosen account and Region at once.
  $all("form[data-autosubmit] select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // Tick all rows of the table.
  var all = $("#tick-all");
  if (all) {
    all.addEventListener("change", function () {
      $all("#workspaces input[name=ids]").forEach(function (c) { c.checked = all.checked; });
    });
  }

  function fmtTime(iso) {
    var d = new Date(iso);
    if (isNaN(d)) { return iso; }
    return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }

  function setClock(c) {
    if (!c) { return; }
    var now = $("#clock-now");
    if (now) { now.textContent = fmtTime(c.now); }
    var fr = $("#clock-frozen");
    if (fr) { fr.classList.toggle("hidden", !c.frozen); }
  }

  function setState(el, state, cls) {
    el.textContent = state;
    el.className = el.className.replace(/\bst-\w+/g, "").trim() + (cls ? " " + cls : "");
  }

  function thumbURL(base, id) { return base + encodeURIComponent(id) + "/thumbnail?t=" + Date.now(); }

  // Live table: poll the states of the rows shown while the page is open.
  var table = $("#workspaces");
  var detail = $("#detail-state");
  var liveURL = table ? table.getAttribute("data-live") : detail ? detail.getAttribute("data-live") : null;
  var ids = table ? $all("tr[data-id]", table).map(function (r) { return r.getAttribute("data-id"); })
    : detail ? [detail.getAttribute("data-id")] : [];
  var thumbTick = 0;

  function apply(data) {
    setClock(data.clock);
    (data.workspaces || []).forEach(function (w) {
      if (detail && w.id === detail.getAttribute("data-id")) {
        if (detail.textContent !== w.state) { setState(detail, w.state, w.class); }
        var ip = $("#detail-ip"); if (ip) { ip.textContent = w.ip; }
        var conn = $("#detail-conn"); if (conn) { conn.textContent = w.connection; }
        var err = $("#detail-error");
        if (err) { err.textContent = w.error; err.classList.toggle("hidden", !w.error); }
        return;
      }
      if (!table) { return; }
      var row = table.querySelector('tr[data-id="' + CSS.escape(w.id) + '"]');
      if (!row) { return; }
      var st = $(".c-state .state", row);
      if (st && st.textContent !== w.state) { setState(st, w.state, w.class); }
      var errEl = $(".c-error", row);
      if (w.error) {
        if (!errEl) { errEl = document.createElement("small"); errEl.className = "c-error"; $(".c-state", row).appendChild(errEl); }
        errEl.textContent = w.error;
      } else if (errEl) { errEl.remove(); }
      [["c-ip", w.ip], ["c-conn", w.connection], ["c-compute", w.compute], ["c-mode", w.mode]].forEach(function (p) {
        var c = $("." + p[0], row); if (c && c.textContent !== p[1]) { c.textContent = p[1]; }
      });
      var desk = $(".c-desktop", row);
      if (desk) {
        var img = $("img.thumb", desk);
        if (w.desktop && !img) {
          img = document.createElement("img");
          img.className = "thumb"; img.width = 160; img.alt = "screen of " + w.id;
          img.src = thumbURL(table.getAttribute("data-base"), w.id);
          desk.insertBefore(img, desk.firstChild);
        } else if (!w.desktop && img) {
          desk.textContent = "";
        } else if (img && thumbTick % 3 === 0) {
          img.src = thumbURL(table.getAttribute("data-base"), w.id);
        }
      }
    });
    (data.gone || []).forEach(function (id) {
      if (detail && id === detail.getAttribute("data-id")) { setState(detail, "GONE", "st-stopped"); return; }
      var row = table && table.querySelector('tr[data-id="' + CSS.escape(id) + '"]');
      if (row && !row.classList.contains("gone")) {
        row.classList.add("gone");
        var st = $(".c-state .state", row); if (st) { setState(st, "GONE", "st-stopped"); }
      }
    });
    thumbTick++;
    var big = $("#thumb");
    if (big && thumbTick % 3 === 0) { big.src = big.src.replace(/(\?w=\d+).*$/, "$1") + "&t=" + Date.now(); }
  }

  var inflight = false;
  function poll() {
    if (inflight || document.hidden) { return; }
    var url = liveURL ? liveURL + "?ids=" + encodeURIComponent(ids.join(",")) : "/console/clock";
    if (!liveURL && !$("#clock")) { return; }
    inflight = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (liveURL) { apply(data); } else { setClock(data); }
      })
      .catch(function () {})
      .then(function () { inflight = false; });
  }
  if ((liveURL && ids.length) || $("#clock")) {
    setInterval(poll, 1000);
  }
})();
