'use strict';
(function () {
  const conn = document.getElementById('conn');
  const sent = document.getElementById('sent');
  const stopBtn = document.getElementById('stopBtn');
  const resumeBtn = document.getElementById('resumeBtn');
  let ws = null, backoff = 500, sentTimer = null;
  const words = {lighter: 'Asked for lighter pressure', firmer: 'Asked for firmer pressure', stop: 'Asked to stop', resume: 'Asked to carry on'};

  function setStopped(s) {
    document.body.dataset.stopped = String(s);
    stopBtn.hidden = s; resumeBtn.hidden = !s;
  }
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(proto + '://' + location.host + '/ws/remote' + location.search);
    ws.onopen = () => { conn.textContent = 'Connected to the coach'; conn.className = 'conn ok'; backoff = 500; };
    ws.onclose = () => {
      conn.textContent = 'Not connected — trying again…'; conn.className = 'conn bad';
      setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 5000);
    };
    ws.onmessage = (ev) => {
      let m; try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.type === 'hello' || m.type === 'status') setStopped(!!m.stopped);
      if (m.type === 'receiver') setStopped(!!m.stopped);
    };
  }
  document.querySelectorAll('.rb').forEach((b) => b.addEventListener('click', () => {
    const action = b.dataset.action;
    if (!ws || ws.readyState !== WebSocket.OPEN) { sent.textContent = 'Not connected yet — try again in a moment.'; return; }
    ws.send(JSON.stringify({type: 'receiver', action: action}));
    if (action === 'stop') setStopped(true);
    if (action === 'resume') setStopped(false);
    if (navigator.vibrate) navigator.vibrate(40);
    sent.textContent = '✓ ' + words[action];
    clearTimeout(sentTimer); sentTimer = setTimeout(() => { sent.textContent = ''; }, 2500);
  }));
  connect();
})();
