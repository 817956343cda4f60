/* leadqual tracker — docs/tracking.md. No dependencies, no cookies sent to the server. */
(function (w, d, n) {
  var s = d.currentScript || d.querySelector('script[data-site]');
  if (!s) return;
  var site = s.getAttribute('data-site'),
    ep = s.getAttribute('data-endpoint') || new URL(s.src, location.href).origin + '/collect',
    Q = 'lq_q', V = 'lq_vid', C = 'lq_consent', L = null;
  try { L = w.localStorage; L.setItem(Q + 't', '1'); L.removeItem(Q + 't'); } catch (e) { L = null; }
  function get(k) { try { return L ? L.getItem(k) : null; } catch (e) { return null; } }
  function set(k, v) { try { if (L) v == null ? L.removeItem(k) : L.setItem(k, v); } catch (e) {} }
  function cookie(k) { var m = d.cookie.match('(?:^|; )' + k + '=([^;]*)'); return m ? m[1] : null; }
  function uuid() {
    if (w.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = '';
    b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
    for (var i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1) + ([3, 5, 7, 9].indexOf(i) >= 0 ? '-' : '');
    return h;
  }
  var c = get(C), dnt = n.doNotTrack == '1' || w.doNotTrack == '1' || n.globalPrivacyControl === true;
  function on() { return c == '1' || (c != '0' && !dnt); }
  var q = [], vid, busy = 0, wait = 1000, timer, pv, shown = 0, dwell = 0;
  try { q = JSON.parse(get(Q) || '[]'); } catch (e) {}
  function visitor() {
    if (!vid) {
      vid = get(V) || cookie(V) || uuid(); set(V, vid);
      d.cookie = V + '=' + vid + ';path=/;max-age=31536000;SameSite=Lax' + (location.protocol == 'https:' ? ';Secure' : '');
    }
    return vid;
  }
  function save() { set(Q, q.length ? JSON.stringify(q.slice(-200)) : null); }
  function put(e) {
    for (var i = 0; i < q.length; i++) if (q[i].id == e.id) { q[i] = e; save(); return; }
    q.push(e); save();
  }
  function body(b) { return JSON.stringify({ site: site, sent_at: Date.now() / 1000, events: b }); }
  // An event leaves the queue only when the collector answered; a failed send is retried with
  // the same ids (the collector stores each id once), with a growing pause.
  function flush() {
    if (busy || !q.length || !on()) return;
    busy = 1;
    var b = q.slice(0, 50);
    fetch(ep, { method: 'POST', body: body(b), keepalive: true, credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })
      .then(function (r) { if (!(r.ok || r.status >= 400 && r.status < 500 && r.status != 429)) throw 0; })
      .then(function () {
        q = q.filter(function (e) { return b.indexOf(e) < 0; }); save(); busy = 0; wait = 1000; flush();
      }, function () {
        busy = 0; clearTimeout(timer); timer = setTimeout(flush, wait); wait = Math.min(wait * 2, 60000);
      });
  }
  function beacon() { if (q.length && n.sendBeacon) n.sendBeacon(ep, new Blob([body(q.slice(0, 50))], { type: 'text/plain' })); }
  function ev(t, x) {
    x = x || {};
    x.id = uuid(); x.type = t; x.ts = Date.now() / 1000; x.visitor = visitor();
    x.url = location.href; x.referrer = d.referrer || null; x.title = d.title;
    return x;
  }
  function page() { if (!on()) return; pv = ev('page_view'); dwell = 0; shown = Date.now(); put(pv); flush(); }
  function hide() {
    if (!pv || !shown || !on()) return;
    dwell += Date.now() - shown; shown = 0;
    var e = {}; for (var k in pv) e[k] = pv[k];
    e.dwell_ms = dwell; pv = e; put(e); busy ? beacon() : flush();
  }
  d.addEventListener('visibilitychange', function () { d.visibilityState == 'hidden' ? hide() : shown = shown || Date.now(); });
  w.addEventListener('pagehide', hide);
  d.addEventListener('submit', function (e) {
    var f = e.target;
    if (!on() || !f || f.nodeName != 'FORM' || !f.hasAttribute('data-leadqual-form')) return;
    var m = f.querySelector('input[type=email],input[name*=email i]');
    put(ev('form_submit', { form: { kind: f.getAttribute('data-leadqual-form') || null, id: f.id || f.getAttribute('name') || null, email: m && m.value || null } }));
    flush();
  }, true);
  var ps = history.pushState;
  history.pushState = function () { hide(); ps.apply(this, arguments); page(); };
  w.addEventListener('popstate', function () { hide(); page(); });
  function api(a, b) {
    if (a != 'consent') return;
    c = b ? '1' : '0'; set(C, c);
    if (!b) { q = []; save(); set(V, null); d.cookie = V + '=;path=/;max-age=0'; vid = pv = null; }
    else if (!pv) page();
  }
  var pre = (w.leadqual && w.leadqual.q) || [];
  w.leadqual = api;
  for (var i = 0; i < pre.length; i++) api.apply(null, pre[i]);
  if (!pv) page();
})(window, document, navigator);
