'use strict';
// backcoach overlay: draws the camera view with the coaching guides and
// speaks the coach's feedback. Everything comes over one websocket (/ws).
(function () {
  const $ = (id) => document.getElementById(id);
  const view = $('view'), ctx = view.getContext('2d');
  const st = {
    hello: null, back: null, routine: null, coaching: false, stopped: false,
    hands: [], phase: 'idle', t: 0, image: null, trails: {}, zones: [],
    strokes: 0, good: 0, cover: new Float32Array(12 * 10), left: 0, right: 0,
    lastT: null, stepPhase: null, stepStart: 0, coachStart: null, lastOil: null,
    codes: {}, frames: 0, finished: false, summary: null,
  };
  window.backcoach = st; // for tests and the curious

  // ---------- voice: one short message at a time ----------
  const mute = $('mute');
  mute.checked = localStorage.getItem('backcoach.mute') === '1';
  mute.addEventListener('change', () => {
    localStorage.setItem('backcoach.mute', mute.checked ? '1' : '0');
    if (mute.checked && window.speechSynthesis) speechSynthesis.cancel();
  });
  let pending = null, lastSpoken = {};
  function speak(text, urgent) {
    if (mute.checked || !window.speechSynthesis) return;
    const now = Date.now();
    if (!urgent && lastSpoken[text] && now - lastSpoken[text] < 6000) return;
    if (urgent) { speechSynthesis.cancel(); pending = null; }
    if (speechSynthesis.speaking || speechSynthesis.pending) { pending = text; return; }
    lastSpoken[text] = now;
    const u = new SpeechSynthesisUtterance(text);
    u.rate = 0.95;
    u.onend = () => { if (pending) { const p = pending; pending = null; speak(p); } };
    speechSynthesis.speak(u);
  }

  // ---------- websocket ----------
  let ws = null, backoff = 500;
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(proto + '://' + location.host + '/ws' + location.search);
    ws.binaryType = 'blob';
    ws.onopen = () => { setPill('conn', 'Connected', 'ok'); backoff = 500; };
    ws.onclose = () => {
      zonesSent = null; // a fresh hello after reconnecting says what the server kept
      setPill('conn', 'Reconnecting…', 'bad');
      setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 5000);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') { onImage(ev.data); return; }
      let m; try { m = JSON.parse(ev.data); } catch (e) { return; }
      const h = handlers[m.type]; if (h) h(m);
    };
  }
  function send(m) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m)); }
  // Zones drawn here and sent, until a hello echoes them: a hello the server
  // sent before it read them (calibration, say) must not wipe them out.
  let zonesSent = null;
  function sendZones() { zonesSent = JSON.stringify(st.zones); send({type: 'zones', zones: st.zones}); }
  function setPill(id, text, cls) { const e = $(id); e.textContent = text; e.className = 'pill ' + (cls || ''); }

  let decoding = false;
  function onImage(blob) {
    if (decoding) return; // the newest frame will come; never pile up
    decoding = true;
    createImageBitmap(blob).then((bmp) => {
      if (st.image && st.image.close) st.image.close();
      st.image = bmp; decoding = false; draw();
    }).catch(() => { decoding = false; });
  }

  const handlers = {
    hello(m) {
      const fresh = st.hello && st.hello.session !== m.session;
      if (fresh) resetSession();
      st.hello = m; st.finished = !!m.finished; st.back = m.back || null; st.routine = m.routine;
      const zones = m.zones || [];
      if (fresh || zonesSent === null || JSON.stringify(zones) === zonesSent) { st.zones = zones; zonesSent = null; }
      if (view.width !== m.width || view.height !== m.height) { view.width = m.width || 640; view.height = m.height || 480; }
      $('demo').hidden = !m.demo;
      $('calib').hidden = !!m.back;
      setCoaching(m.coaching); setStopped(m.stopped); showFinish();
      $('qr').src = '/qr.png' + location.search;
      $('remoteHint').textContent = m.phone ? 'Open on a phone on the same Wi-Fi.'
        : 'Only this computer can open it now. To use a phone, restart with --listen 0.0.0.0:8080 --token (any secret word).';
      drawBackDraw(); draw();
    },
    frame(m) {
      st.hands = m.hands || []; st.phase = m.phase || 'idle'; st.t = m.t; st.frames++;
      document.body.dataset.hands = String(st.hands.length);
      $('handsSeen').textContent = st.hands.length ? (st.hands.length === 1 ? '1 hand seen' : st.hands.length + ' hands seen') : 'No hands seen';
      const dt = st.lastT == null ? 0 : Math.max(0, Math.min(0.2, m.t - st.lastT));
      st.lastT = m.t;
      for (const h of st.hands) {
        const tr = st.trails[h.id] || (st.trails[h.id] = []);
        tr.push([h.x, h.y]); if (tr.length > 45) tr.shift();
        if (st.coaching && !st.finished && !st.stopped && dt > 0) addCoverage(h, dt);
      }
      for (const id of Object.keys(st.trails)) if (!st.hands.some((h) => String(h.id) === id)) {
        st.trails[id].shift(); if (!st.trails[id].length) delete st.trails[id];
      }
      updateStep(m.t); updatePace(); if (!st.image) draw();
    },
    feedback(m) { showFeedback(m); },
    stroke(m) {
      st.strokes++; if ((m.verdicts || []).length === 1 && m.verdicts[0] === 'good_stroke') st.good++;
      $('nStrokes').textContent = st.strokes; $('nGood').textContent = st.good;
    },
    receiver(m) {
      setStopped(!!m.stopped);
    },
    status(m) {
      const cam = m.camera === 'lost' ? ['Camera lost', 'bad'] : m.camera === 'ended' ? ['Recording ended', 'warn'] : [m.demo ? 'Demo recording' : 'Camera on', m.demo ? 'warn' : 'ok'];
      setPill('camera', cam[0], cam[1]);
      $('lost').hidden = m.camera !== 'lost' && m.camera !== 'ended';
      $('lost').textContent = m.message || '';
      $('demo').hidden = !m.demo;
      $('calib').hidden = !m.calibrating;
      setStopped(!!m.stopped);
      if (m.coaching !== undefined) setCoaching(m.coaching);
    },
    summary(m) {
      if (st.hello && m.session && m.session !== st.hello.session) return; // an earlier session's
      st.finished = true; st.summary = m; showFinish();
      $('finishAsk').hidden = true; $('check').hidden = true;
      $('sumHeadline').textContent = m.advice || `${m.strokes} strokes, ${m.good_strokes} of them good.`;
      $('sumStrokes').textContent = m.strokes || 0; $('sumGood').textContent = m.good_strokes || 0;
      $('sumTime').textContent = fmtTime(m.duration);
      const words = (list) => list.sort((a, b) => b[1] - a[1])
        .map(([c, n]) => (noteWords[c] || c.replace(/_/g, ' ')) + (n > 1 ? ' (' + n + '×)' : '')).join(', ');
      const codes = Object.entries(m.codes || {}).filter(([c, n]) => n > 0 && c !== 'good_stroke');
      const coachNotes = codes.filter(([c]) => !partnerCodes[c]), partner = codes.filter(([c]) => partnerCodes[c]);
      $('sumNotes').textContent = (coachNotes.length ? 'To work on next time: ' + words(coachNotes) + '. ' : '') +
        (partner.length ? 'Your partner pressed ' + words(partner) + '.' : '');
      $('stop').hidden = true; // nothing to pause any more
      $('say').className = 'card say good'; $('say').dataset.code = '';
      $('sayText').textContent = 'Session finished. Thank you!';
      $('reportBox').hidden = !m.report; $('noReport').hidden = !!m.report;
      if (m.report) $('reportLink').href = m.report + location.search; // the access code, when there is one
      $('newSession').disabled = false; $('newSession').textContent = 'Start a new session';
      $('summary').hidden = false;
      speak('Session finished. ' + (m.advice || ''));
    },
  };

  // ---------- finishing and starting over ----------
  const noteWords = {
    too_fast: 'going too fast', on_spine: 'hands on the spine', no_circles: 'no small circles',
    start_low: 'not starting at the lower back', reach_shoulders: 'not reaching the shoulders',
    wrong_direction: 'sliding down the back', avoid_zone: 'touching a marked area',
    hands_lost: 'hands out of view',
    lighter: 'lighter', firmer: 'firmer', stop: 'stop',
  };
  const partnerCodes = {lighter: true, firmer: true, stop: true};
  function showFinish() { $('finishBtn').hidden = !st.coaching || st.finished; }
  $('finishBtn').addEventListener('click', () => { $('finishAsk').hidden = false; $('finishYes').focus(); });
  $('finishNo').addEventListener('click', () => { $('finishAsk').hidden = true; });
  $('finishYes').addEventListener('click', () => {
    $('finishAsk').hidden = true; send({type: 'finish'});
    $('finishBtn').hidden = true; // the summary follows
  });
  $('newSession').addEventListener('click', () => {
    $('newSession').disabled = true; $('newSession').textContent = 'Starting…';
    send({type: 'new_session'}); // the next hello (a new session) brings the checklist back
  });
  // resetSession clears what the page counted for the last session.
  function resetSession() {
    Object.assign(st, {strokes: 0, good: 0, left: 0, right: 0, codes: {}, trails: {}, zones: [], coachStart: null,
      lastOil: null, stepPhase: null, finished: false, summary: null});
    st.cover.fill(0);
    $('nStrokes').textContent = '0'; $('nGood').textContent = '0';
    $('log').innerHTML = ''; $('say').className = 'card say neutral'; $('sayText').textContent = 'Go through the checklist to begin.';
    $('summary').hidden = true; $('finishAsk').hidden = true;
    boxes.forEach((b) => { b.checked = false; }); checkReady();
    drawBackDraw(); drawCoverage();
  }

  // ---------- feedback ----------
  const tone = {good_stroke: 'good', lighter: 'warn', firmer: 'warn', stop: 'bad', on_spine: 'bad', avoid_zone: 'bad', too_fast: 'warn', hands_lost: 'warn'};
  function showFeedback(m) {
    st.codes[m.code] = (st.codes[m.code] || 0) + 1;
    const say = $('say'); say.className = 'card say ' + (tone[m.code] || 'warn');
    say.dataset.code = m.code;
    $('sayText').textContent = m.message;
    const log = $('log'), top = log.firstChild;
    if (top && top.dataset.code === m.code && Math.abs((+top.dataset.t) - m.t) < 2) {
      // the same advice for the other hand: count it instead of repeating it
      const n = (+top.dataset.n || 1) + 1; top.dataset.n = n;
      top.querySelector('.n').textContent = ' ×' + n;
      return;
    }
    const li = document.createElement('li');
    li.dataset.code = m.code; li.dataset.t = m.t; li.className = m.code === 'good_stroke' ? 'good' : (tone[m.code] === 'bad' ? 'bad' : '');
    const t = document.createElement('span'); t.className = 't'; t.textContent = fmtTime(m.t);
    const n = document.createElement('span'); n.className = 'n';
    li.appendChild(t); li.appendChild(document.createTextNode(m.message)); li.appendChild(n);
    log.insertBefore(li, log.firstChild);
    while (log.children.length > 60) log.removeChild(log.lastChild);
    speak(shortWords(m), m.code === 'stop');
  }
  function shortWords(m) {
    const s = m.message || ''; const i = s.indexOf(' — ');
    return i > 0 ? s.slice(0, i) : s;
  }
  function fmtTime(s) { s = Math.max(0, Math.floor(s || 0)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }

  function setStopped(s) {
    const was = st.stopped; st.stopped = s;
    document.body.dataset.stopped = String(s);
    $('stop').hidden = !s || st.finished;
    if (s && !was && !st.finished) speak('Stop. Your partner asked to pause.', true);
  }
  function setCoaching(c) {
    st.coaching = !!c; document.body.dataset.coaching = String(st.coaching);
    $('check').hidden = st.coaching || st.finished; showFinish();
    if (st.coaching && st.coachStart == null) { st.coachStart = performance.now(); st.lastOil = performance.now(); $('sayText').textContent = 'Both hands on the lower back, beside the spine. Move up slowly, in small circles.'; }
  }
  $('resume').addEventListener('click', () => send({type: 'receiver', action: 'resume'}));

  // ---------- step card, metronome, pace, oil ----------
  const steps = {
    idle: ['Get ready', 'Both hands on the lower back, either side of the spine.'],
    ascent: ['Step 1 of 3: up the back', 'Slowly up beside the spine, making small gentle circles.'],
    across: ['Step 2 of 3: across the shoulders', 'Glide outward along the shoulders.'],
    down: ['Step 3 of 3: down the upper arms', 'Lightly down the outside of the upper arms.'],
  };
  function updateStep(t) {
    if (st.phase !== st.stepPhase) { st.stepPhase = st.phase; st.stepStart = t; const s = steps[st.phase] || steps.idle; $('stepTitle').textContent = s[0]; $('stepText').textContent = s[1]; }
    $('stepTimer').textContent = fmtTime(t - st.stepStart);
  }
  function updatePace() {
    const lim = (st.routine && st.routine.max_speed) || 0.45;
    const sp = st.hands.reduce((a, h) => Math.max(a, h.speed || 0), 0);
    const frac = Math.min(1, sp / (lim * 1.5));
    const bar = $('paceBar'); bar.style.width = (frac * 100).toFixed(0) + '%';
    $('paceText').textContent = !st.hands.length ? '—' : sp > lim ? 'too fast' : sp > lim * 0.8 ? 'a bit quick' : 'slow and good';
  }
  let beat = 0;
  setInterval(() => {
    const pace = (st.routine && st.routine.circle_pace) || 1.2;
    const now = performance.now();
    const active = st.coaching && !st.stopped && st.phase === 'ascent';
    $('metroText').textContent = active ? 'circle… circle…' : 'circle rhythm';
    if (active && now - beat >= pace * 1000) {
      beat = now; const d = $('metroDot'); d.classList.add('beat'); setTimeout(() => d.classList.remove('beat'), 180);
      tick();
    }
    const every = ((st.routine && st.routine.oil_reminder) || 240) * 1000;
    if (st.coaching && !st.finished && !st.stopped && st.lastOil != null && now - st.lastOil > every) {
      st.lastOil = now; $('oil').hidden = false; speak('Time for a little more warm oil.');
      setTimeout(() => { $('oil').hidden = true; }, 12000);
    }
  }, 100);
  let actx = null;
  function tick() {
    if (mute.checked) return;
    try {
      actx = actx || new AudioContext(); if (actx.state !== 'running') return;
      const o = actx.createOscillator(), g = actx.createGain();
      o.frequency.value = 660; g.gain.value = 0.04; o.connect(g); g.connect(actx.destination);
      o.start(); g.gain.exponentialRampToValueAtTime(0.0001, actx.currentTime + 0.12); o.stop(actx.currentTime + 0.13);
    } catch (e) { /* no audio: the dot still pulses */ }
  }

  // ---------- back geometry ----------
  function axes(b) {
    const dx = b.spine_top.x - b.spine_bottom.x, dy = b.spine_top.y - b.spine_bottom.y, l = Math.hypot(dx, dy) || 1;
    const along = [dx / l, dy / l]; return {along, right: [-along[1], along[0]], l};
  }
  function pt(b, u, v) {
    const a = axes(b);
    return [b.spine_bottom.x + a.along[0] * v * a.l + a.right[0] * u * b.half_width,
      b.spine_bottom.y + a.along[1] * v * a.l + a.right[1] * u * b.half_width];
  }
  function poly(b, pts) { ctx.beginPath(); pts.forEach(([u, v], i) => { const p = pt(b, u, v); i ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1]); }); ctx.closePath(); }

  // ---------- drawing the view ----------
  const colors = ['#38d39f', '#ff8f3c', '#6fb7ff', '#f06bd0'];
  function draw() {
    const W = view.width, H = view.height, s = W / 640;
    if (st.image) ctx.drawImage(st.image, 0, 0, W, H); else { ctx.fillStyle = '#1b1f24'; ctx.fillRect(0, 0, W, H); }
    const b = st.back, r = st.routine || {start_band: 0.3, shoulder_v: 0.85, spine_band: 0.1};
    if (b) {
      ctx.save();
      ctx.fillStyle = 'rgba(79,163,224,0.20)'; poly(b, [[-1, 0], [1, 0], [1, r.start_band], [-1, r.start_band]]); ctx.fill();
      ctx.fillStyle = 'rgba(224,72,62,0.22)'; poly(b, [[-r.spine_band, 0.1], [r.spine_band, 0.1], [r.spine_band, 1], [-r.spine_band, 1]]); ctx.fill();
      ctx.setLineDash([10 * s, 8 * s]); ctx.lineWidth = 2 * s; ctx.strokeStyle = 'rgba(255,255,255,0.85)';
      let p = pt(b, 0, -0.05), q = pt(b, 0, 1.05); ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
      ctx.setLineDash([]); ctx.lineWidth = 3 * s; ctx.strokeStyle = '#f2c14e';
      p = pt(b, -1.25, r.shoulder_v); q = pt(b, 1.25, r.shoulder_v); ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
      ctx.font = `${Math.round(13 * s)}px system-ui, sans-serif`; ctx.fillStyle = '#f2c14e';
      ctx.fillText('shoulders', q[0] - 70 * s, q[1] - 6 * s);
      p = pt(b, -1, r.start_band / 2); ctx.fillStyle = '#bfe3ff'; ctx.fillText('start here', p[0] + 4 * s, p[1]);
      for (const z of st.zones) {
        ctx.fillStyle = 'rgba(201,56,47,0.35)'; ctx.strokeStyle = '#ff5a4e'; ctx.lineWidth = 2 * s;
        poly(b, z.points); ctx.fill(); ctx.stroke();
      }
      ctx.restore();
    }
    // hand trails and hands
    for (const [id, tr] of Object.entries(st.trails)) {
      const c = colors[id % colors.length];
      for (let i = 1; i < tr.length; i++) {
        ctx.strokeStyle = c; ctx.globalAlpha = i / tr.length; ctx.lineWidth = 4 * s;
        ctx.beginPath(); ctx.moveTo(tr[i - 1][0], tr[i - 1][1]); ctx.lineTo(tr[i][0], tr[i][1]); ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    for (const h of st.hands) {
      const c = colors[h.id % colors.length];
      ctx.lineWidth = 4 * s; ctx.strokeStyle = c; ctx.fillStyle = c + '55';
      ctx.beginPath(); ctx.arc(h.x, h.y, 18 * s, 0, Math.PI * 2); ctx.fill(); ctx.stroke();
    }
    const label = st.finished ? 'Session finished' : st.stopped ? 'Paused' : !st.coaching ? 'Checklist first' : (steps[st.phase] || steps.idle)[0];
    $('phase').textContent = st.back ? label : 'Finding the back…';
  }

  // ---------- coverage map ----------
  const cov = $('coverage'), cctx = cov.getContext('2d');
  function addCoverage(h, dt) {
    if (h.v < 0 || h.v > 1.05 || Math.abs(h.u) > 1.1) return;
    const cx = Math.min(11, Math.max(0, Math.floor((h.u + 1) / 2 * 12))), cy = Math.min(9, Math.max(0, Math.floor(h.v * 10)));
    st.cover[cy * 12 + cx] += dt;
    if (h.u < 0) st.left += dt; else st.right += dt;
  }
  function backOutline(c, w, hgt, pad) {
    // a simple torso: waist at the bottom, shoulders at the top (head up)
    c.beginPath();
    c.moveTo(pad + w * 0.12, hgt - pad);
    c.bezierCurveTo(pad + w * 0.05, hgt * 0.6, pad, hgt * 0.35, pad + w * 0.02, pad + hgt * 0.12);
    c.quadraticCurveTo(pad + w * 0.2, pad, pad + w * 0.38, pad + 4);
    c.lineTo(pad + w * 0.62, pad + 4);
    c.quadraticCurveTo(pad + w * 0.8, pad, pad + w * 0.98, pad + hgt * 0.12);
    c.bezierCurveTo(pad + w, hgt * 0.35, pad + w * 0.95, hgt * 0.6, pad + w * 0.88, hgt - pad);
    c.closePath();
  }
  function drawCoverage() {
    const W = cov.width, H = cov.height, pad = 10;
    cctx.clearRect(0, 0, W, H);
    cctx.fillStyle = '#efe4d6'; backOutline(cctx, W - 2 * pad, H, pad); cctx.fill();
    cctx.save(); backOutline(cctx, W - 2 * pad, H, pad); cctx.clip();
    const cw = (W - 2 * pad) / 12, ch = (H - 2 * pad) / 10;
    for (let y = 0; y < 10; y++) for (let x = 0; x < 12; x++) {
      const v = st.cover[y * 12 + x]; if (!v) continue;
      cctx.fillStyle = `rgba(47,138,85,${Math.min(0.85, 0.15 + v / 6)})`;
      cctx.fillRect(pad + x * cw, H - pad - (y + 1) * ch, cw + 0.5, ch + 0.5);
    }
    cctx.restore();
    cctx.strokeStyle = '#b9ab98'; cctx.setLineDash([4, 4]); cctx.beginPath(); cctx.moveTo(W / 2, pad + 8); cctx.lineTo(W / 2, H - pad); cctx.stroke(); cctx.setLineDash([]);
    cctx.fillStyle = '#8b8073'; cctx.font = '11px system-ui, sans-serif'; cctx.fillText('L', pad + 4, H - pad - 4); cctx.fillText('R', W - pad - 12, H - pad - 4);
    $('coverText').textContent = `left ${Math.round(st.left)} s · right ${Math.round(st.right)} s`;
  }
  setInterval(drawCoverage, 500); drawCoverage();

  // ---------- checklist and avoid zones ----------
  const bd = $('backDraw'), bctx = bd.getContext('2d');
  const BD = {pad: 22};
  // map back-picture pixels <-> (u, v): u in [-1.25, 1.25], v in [-0.05, 1.1]
  function bdToUV(x, y) { const w = bd.width - 2 * BD.pad, h = bd.height - 2 * BD.pad; return [((x - BD.pad) / w) * 2.5 - 1.25, 1.1 - ((y - BD.pad) / h) * 1.15]; }
  function uvToBd(u, v) { const w = bd.width - 2 * BD.pad, h = bd.height - 2 * BD.pad; return [BD.pad + (u + 1.25) / 2.5 * w, BD.pad + (1.1 - v) / 1.15 * h]; }
  let drawing = null;
  function drawBackDraw() {
    const W = bd.width, H = bd.height;
    bctx.clearRect(0, 0, W, H);
    const [l0] = uvToBd(-1, 0), [r0] = uvToBd(1, 0), top = uvToBd(0, 1.02)[1], bot = uvToBd(0, -0.02)[1];
    bctx.fillStyle = '#e9d3bd'; backOutline(bctx, r0 - l0 + 30, bot, l0 - 15); bctx.fill();
    bctx.fillStyle = '#e2c8ad'; bctx.beginPath(); bctx.ellipse(W / 2, top - 6, 26, 14, 0, Math.PI, 0); bctx.fill();
    bctx.strokeStyle = '#b99b7c'; bctx.setLineDash([5, 5]); bctx.beginPath(); bctx.moveTo(W / 2, top); bctx.lineTo(W / 2, bot); bctx.stroke(); bctx.setLineDash([]);
    bctx.fillStyle = '#8b7763'; bctx.font = '12px system-ui, sans-serif'; bctx.fillText('head', W / 2 - 13, 14); bctx.fillText('waist', W / 2 - 15, H - 6);
    const all = st.zones.map((z) => z.points).concat(drawing ? [drawing] : []);
    for (const pts of all) {
      bctx.fillStyle = 'rgba(201,56,47,0.35)'; bctx.strokeStyle = '#c9382f'; bctx.lineWidth = 2;
      bctx.beginPath(); pts.forEach(([u, v], i) => { const [x, y] = uvToBd(u, v); i ? bctx.lineTo(x, y) : bctx.moveTo(x, y); });
      if (pts !== drawing) bctx.closePath(); bctx.fill(); bctx.stroke();
    }
  }
  function evPos(e) { const r = bd.getBoundingClientRect(); return [(e.clientX - r.left) * bd.width / r.width, (e.clientY - r.top) * bd.height / r.height]; }
  bd.addEventListener('pointerdown', (e) => { bd.setPointerCapture(e.pointerId); drawing = [bdToUV(...evPos(e))]; drawBackDraw(); });
  bd.addEventListener('pointermove', (e) => { if (!drawing) return; const p = bdToUV(...evPos(e)); const q = drawing[drawing.length - 1]; if (Math.hypot(p[0] - q[0], p[1] - q[1]) > 0.03) drawing.push(p); drawBackDraw(); });
  bd.addEventListener('pointerup', () => {
    if (!drawing) return;
    let pts = drawing; drawing = null;
    if (pts.length >= 3) {
      while (pts.length > 64) pts = pts.filter((_, i) => i % 2 === 0);
      st.zones = st.zones.concat([{points: pts.map(([u, v]) => [+u.toFixed(3) || 0, +v.toFixed(3) || 0])}]).slice(-16);
      sendZones();
    }
    drawBackDraw(); draw();
  });
  $('clearZones').addEventListener('click', () => { st.zones = []; sendZones(); drawBackDraw(); draw(); });
  const boxes = Array.from(document.querySelectorAll('[data-c]'));
  function checkReady() {
    const n = boxes.filter((b) => b.checked).length;
    $('startBtn').disabled = n < boxes.length;
    $('checkHint').textContent = n < boxes.length ? `${boxes.length - n} item${boxes.length - n > 1 ? 's' : ''} left to tick.` : 'All set — press start and begin at the lower back.';
  }
  boxes.forEach((b) => b.addEventListener('change', checkReady)); checkReady();
  $('startBtn').addEventListener('click', () => {
    sendZones(); send({type: 'start'});
    try { actx = actx || new AudioContext(); actx.resume(); } catch (e) { /* no audio */ }
    speak('Start at the lower back. Move up slowly, in small circles.');
    setCoaching(true);
  });

  drawBackDraw(); draw(); connect();
})();
