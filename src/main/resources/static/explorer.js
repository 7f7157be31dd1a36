// The VAE explorer: one page over the service's public API (nothing else is called).
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const KEY = 'vae-api-key';
  const LADDER = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const PALETTE = ['#2457c5', '#d1495b', '#2a9d8f', '#e9a03b', '#7b4fb3', '#3c7d22', '#b5651d', '#5b6475', '#c2185b', '#00838f'];
  const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
  const state = {
    security: { apiKeyRequired: false, inferenceNeedsKey: false, keyAccepted: false },
    model: null, input: null, z: [], a: null, b: null, loss: null, decodes: 0, sampleSeed: 1,
    job: null, datasets: [], latentShown: false, mc: []
  };
  const explorer = { state, ready: false };
  window.vaeExplorer = explorer;

  // ---- the API: JSON in and out, the key from session storage, problem+json as readable errors
  class ApiError extends Error {
    constructor(status, problem) {
      const title = problem.title || 'HTTP ' + status;
      super(status + ' ' + title + (problem.detail ? ': ' + problem.detail : '') +
        (problem.field ? ' (field: ' + problem.field + ')' : ''));
      this.status = status;
      this.problem = problem;
    }
  }
  function headers(extra) {
    const h = Object.assign({}, extra);
    const key = sessionStorage.getItem(KEY);
    if (key) h.Authorization = 'Bearer ' + key;
    return h;
  }
  async function api(method, path, body, png) {
    const options = { method, headers: headers({ Accept: png ? 'image/png, application/problem+json' : 'application/json, application/problem+json' }) };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    const res = await fetch(path, options);
    if (!res.ok) {
      let problem = {};
      try { problem = JSON.parse(await res.text()); } catch (e) { problem = { title: res.statusText }; }
      throw new ApiError(res.status, problem);
    }
    if (png) return URL.createObjectURL(await res.blob());
    return (res.status === 204) ? null : res.json();
  }
  function say(el, text) { el.textContent = text; el.classList.remove('error'); }
  function fail(el, err) {
    let text = (err instanceof ApiError) ? err.message : 'Error: ' + (err && err.message ? err.message : err);
    if (err && err.status === 401) text += ' — enter the API key at the top of the page.';
    el.textContent = text;
    el.classList.add('error');
    el.hidden = false;
  }
  function guard(el, fn) { return (...args) => Promise.resolve().then(() => fn(...args)).catch((e) => fail($(el), e)); }
  function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; }
  const fmt = (v, d) => (v === null || v === undefined) ? '—' : Number(v).toFixed(d === undefined ? 3 : d);
  const canInfer = () => !state.security.inferenceNeedsKey || state.security.keyAccepted;
  const canChange = () => !state.security.apiKeyRequired || state.security.keyAccepted;

  // ---- API key
  function banner(text, kind) {
    const el = $('auth-message');
    el.hidden = !text;
    el.textContent = text || '';
    el.className = 'banner' + (kind ? ' ' + kind : '');
  }
  async function checkAuth() {
    state.security = await api('GET', '/security');
    const s = state.security;
    const entered = !!sessionStorage.getItem(KEY);
    $('api-key').placeholder = s.apiKeyRequired ? 'paste the key' : 'not needed on this service';
    if (!s.apiKeyRequired) banner(entered ? 'This service needs no API key; the one entered is not sent anywhere else.' : '');
    else if (s.keyAccepted) banner('API key accepted: every section is enabled.', '');
    else if (entered) banner('The API key entered is not accepted by this service. Check it and enter it again.', 'warn');
    else banner('This service needs an API key ' + (s.inferenceNeedsKey
      ? 'for every model call: the loss, latent space and training sections stay empty until you enter it above.'
      : 'to train, upload data and activate models (looking at the model works without it).') +
      ' The key is kept in this tab\'s session storage only.', 'warn');
  }

  // ---- pictures: values of one input (C×H×W, channels first) onto a canvas
  function shape() { return state.model ? state.model.shape : [1, 28, 28]; }
  function paintValues(canvas, values, chw) {
    const [c, h, w] = chw || shape();
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(w, h);
    const tanh = state.model && state.model.outputActivation === 'tanh';
    const level = (v) => Math.max(0, Math.min(255, Math.round(255 * (tanh ? (v + 1) / 2 : v))));
    for (let i = 0; i < h * w; i++) {
      const r = level(values[i]);
      img.data[4 * i] = r;
      img.data[4 * i + 1] = (c === 3) ? level(values[h * w + i]) : r;
      img.data[4 * i + 2] = (c === 3) ? level(values[2 * h * w + i]) : r;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  // ---- the model card and its versions
  async function loadModel() {
    const m = await api('GET', '/model');
    const a = m.architecture;
    let chw = a.inputShape;
    if (chw.length !== 3) {
      const side = Math.round(Math.sqrt(a.inputLength));
      chw = (side * side === a.inputLength) ? [1, side, side] : [1, 1, a.inputLength];
    }
    const previous = state.model;
    state.model = { id: m.id, shape: chw, length: a.inputLength, latent: a.latentSize, likelihood: a.likelihood,
      outputActivation: a.outputActivation, beta: a.beta };
    const t = m.training || {};
    const x = m.metrics || {};
    const rows = [
      ['id', m.id], ['input', chw.join('×') + ' (' + a.inputLength + ' values)'], ['latent size', a.latentSize],
      ['likelihood', a.likelihood + (a.gaussianSigma ? ' (σ = ' + a.gaussianSigma + ')' : '') + ', mean = ' + a.outputActivation + '(η)'],
      ['β', a.beta], ['parameters', Number(m.parameterCount).toLocaleString('en')],
      ['trained on', t.dataset ? t.dataset + ' (' + t.trainExamples + ' train / ' + t.validationExamples + ' held out)' : '—'],
      ['training', t.epochs ? t.epochs + ' epochs, batch ' + t.batchSize + ', Adam ' + t.learningRate + ', seed ' + t.seed + ', ' + fmt(t.seconds, 0) + ' s' : '—'],
      ['held-out −ELBO', x.validationNegElbo !== undefined ? fmt(x.validationNegElbo, 2) + ' nats (reconstruction ' + fmt(x.validationReconstruction, 2) + ' + KL ' + fmt(x.validationKl, 2) + ')' : '—'],
      ['baseline −log p(x)', x.baselineNegLogLikelihood ? fmt(x.baselineNegLogLikelihood, 2) + ' nats (per-pixel means)' : '—'],
      ['created', m.createdAt ? new Date(m.createdAt).toLocaleString() : '—']
    ];
    const card = $('model-card');
    card.replaceChildren();
    for (const [k, v] of rows) {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v;
      card.append(dt, dd);
    }
    const layers = $('model-layers');
    layers.replaceChildren();
    const describe = (l) => Object.entries(l).map(([k, v]) => k === 'type' ? v : k + ' ' + JSON.stringify(v)).join(', ');
    a.encoder.forEach((l) => addItem(layers, 'encoder: ' + describe(l)));
    addItem(layers, 'μ and log σ² heads: dense to ' + a.latentSize + ' each');
    a.decoder.forEach((l) => addItem(layers, 'decoder: ' + describe(l)));
    addItem(layers, 'output: ' + a.likelihood);
    const changed = !previous || previous.id !== m.id;
    const reshaped = !previous || previous.shape.join() !== chw.join();
    return { changed, reshaped };
  }
  function addItem(list, text) { const li = document.createElement('li'); li.textContent = text; list.append(li); }
  function cell(tr, text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.append(td); return td; }
  function button(text, onClick, disabled) {
    const b = document.createElement('button');
    b.type = 'button'; b.textContent = text; b.disabled = !!disabled; b.addEventListener('click', onClick);
    return b;
  }
  async function loadVersions() {
    const models = await api('GET', '/models');
    const body = $('versions').tBodies[0];
    body.replaceChildren();
    for (const m of models) {
      const tr = document.createElement('tr');
      if (m.active) tr.className = 'active';
      cell(tr, m.id); cell(tr, m.name); cell(tr, m.source);
      cell(tr, m.createdAt ? new Date(m.createdAt).toLocaleDateString() : '');
      cell(tr, '').append(m.active ? document.createTextNode('active')
        : button('Activate', guard('versions-status', () => activate(m.id)), false));
      body.append(tr);
    }
  }
  async function activate(id) {
    say($('versions-status'), 'Activating ' + id + ' (loads and warms it first)…');
    await api('POST', '/models/' + encodeURIComponent(id) + '/activate');
    say($('versions-status'), id + ' is now active.');
    await modelChanged();
  }
  async function modelChanged() {
    const { reshaped } = await loadModel();
    await loadVersions();
    if (reshaped) preset('square');
    buildSliders();
    state.mc = [];
    if (state.latentShown) refreshLatent();
    await analyse();
  }

  // ---- drawing: a grey H×W grid, painted with a soft round brush
  const drawing = { canvas: null, h: 28, w: 28, v: new Float32Array(784), cursor: [14, 14], down: false, last: null };
  function resetDrawing() {
    const [, h, w] = shape();
    drawing.h = h; drawing.w = w; drawing.v = new Float32Array(h * w); drawing.cursor = [w >> 1, h >> 1];
  }
  function renderDrawing() {
    const c = drawing.canvas;
    c.width = drawing.w; c.height = drawing.h;
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(drawing.w, drawing.h);
    for (let i = 0; i < drawing.v.length; i++) {
      const g = Math.round(255 * drawing.v[i]);
      img.data.set([g, g, g, 255], 4 * i);
    }
    if (document.activeElement === c) {
      const i = drawing.cursor[1] * drawing.w + drawing.cursor[0];
      img.data.set([255, 170, 0, 255], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
  }
  function paintAt(x, y) {
    const r = Math.max(1.3, drawing.w / 18);
    for (let py = Math.max(0, Math.floor(y - r - 1)); py <= Math.min(drawing.h - 1, Math.ceil(y + r)); py++) {
      for (let px = Math.max(0, Math.floor(x - r - 1)); px <= Math.min(drawing.w - 1, Math.ceil(x + r)); px++) {
        const d = Math.hypot(px + 0.5 - x, py + 0.5 - y);
        const a = Math.min(1, Math.max(0, (r - d) / 0.9 + 0.5));
        const i = py * drawing.w + px;
        drawing.v[i] = Math.max(drawing.v[i], a);
      }
    }
  }
  function strokeTo(x, y) {
    const [x0, y0] = drawing.last || [x, y];
    const n = Math.max(1, Math.ceil(Math.hypot(x - x0, y - y0) / 0.4));
    for (let s = 1; s <= n; s++) paintAt(x0 + (x - x0) * s / n, y0 + (y - y0) * s / n);
    drawing.last = [x, y];
    renderDrawing();
  }
  function canvasPoint(e) {
    const rect = drawing.canvas.getBoundingClientRect();
    return [(e.clientX - rect.left) / rect.width * drawing.w, (e.clientY - rect.top) / rect.height * drawing.h];
  }
  function preset(name) {
    resetDrawing();
    const { w, h } = drawing;
    const cx = w / 2, cy = h / 2, s = Math.min(w, h);
    const inside = {
      square: (x, y) => Math.abs(x - cx) < 0.26 * s && Math.abs(y - cy) < 0.26 * s,
      circle: (x, y) => Math.hypot(x - cx, y - cy) < 0.3 * s,
      triangle: (x, y) => y < cy + 0.25 * s && y > cy - 0.3 * s && Math.abs(x - cx) < (y - (cy - 0.3 * s)) * 0.6
    }[name];
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        let hits = 0;
        for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (inside(px + (sx + 0.5) / 4, py + (sy + 0.5) / 4)) hits++;
        drawing.v[py * w + px] = hits / 16;
      }
    }
    renderDrawing();
  }
  /** The drawing as a model input: the grey grid repeated for each channel. */
  function inputVector(grey) {
    const [c] = shape();
    const v = grey || drawing.v;
    const x = new Array(c * v.length);
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < v.length; i++) x[ch * v.length + i] = Math.round(v[i] * 1e4) / 1e4;
    return x;
  }
  async function upload(file) {
    const bitmap = await createImageBitmap(file);
    const off = document.createElement('canvas');
    off.width = drawing.w; off.height = drawing.h;
    const ctx = off.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, drawing.w, drawing.h);
    const d = ctx.getImageData(0, 0, drawing.w, drawing.h).data;
    for (let i = 0; i < drawing.v.length; i++) {
      // luminance, transparent as black: as the service converts images
      drawing.v[i] = (0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]) * d[4 * i + 3] / 255 / 255;
    }
    renderDrawing();
    await analyse();
  }

  // ---- /loss: the bar chart, the table, Monte Carlo and IWAE
  // Chart.js loads in parallel (async): the controls work before it arrives, charts wait for it
  const chartLibrary = new Promise((resolve) => {
    if (window.Chart) resolve();
    else $('chartjs').addEventListener('load', resolve);
  });
  const charts = {};
  function chart(id, config) {
    if (!charts[id]) {
      config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options);
      charts[id] = new Chart($(id), config);
    }
    return charts[id];
  }
  async function analyse() {
    const status = $('loss-status');
    if (!state.model) return;
    if (!canInfer()) { say(status, 'Enter the API key at the top: this service protects inference.'); return; }
    say(status, 'Analysing…');
    const x = inputVector();
    const L = LADDER[+$('mc-l').value];
    const k = +$('iwae-k').value;
    const [loss, rec] = await Promise.all([
      api('POST', '/loss', { inputs: [x], samples: L, iwae_k: k, seed: 1 }),
      api('POST', '/reconstruct', { inputs: [x], latent: 'mean' })]);
    await chartLibrary;
    state.input = x;
    state.loss = loss;
    state.mu = rec.results[0].z;
    paintValues($('recon'), rec.results[0].reconstruction);
    renderLoss(loss);
    state.analyses = (state.analyses || 0) + 1;
    say(status, 'model ' + loss.model + ', likelihood ' + loss.likelihood + ', β = ' + loss.beta + ', D = ' + loss.input_length);
  }
  function lossTerms(loss) {
    const r = loss.results[0], m = r.at_mean, g = m.gaussian_nll, cb = m.continuous_bernoulli_nll, e = m.elbo;
    const terms = [
      ['BCE', m.bce, 0, 'Σⱼ −[xⱼ log x̂ⱼ + (1 − xⱼ) log(1 − x̂ⱼ)]: the Bernoulli NLL'],
      ['SSE', m.sse, 0, 'Σⱼ (xⱼ − x̂ⱼ)²'],
      ['MSE', m.mse, 0, 'SSE / D'],
      ['Gaussian NLL', g.sse_over_two_sigma_squared, g.constant,
        'SSE/(2σ²) + D·log σ + (D/2)·log 2π with σ = ' + g.sigma + '; the constant (' + fmt(g.constant, 2) + ') is the same for every model'],
      ['cont. Bernoulli NLL', cb ? cb.value : null, 0, 'BCE − Σⱼ log C(x̂ⱼ), Σ log C = ' + (cb ? fmt(cb.log_normaliser, 2) : '—') + ': a density on [0, 1]'],
      ['KL', r.kl.total, 0, '½ Σₖ (μₖ² + σₖ² − 1 − log σₖ²), analytic']
    ];
    if (m.model_nll !== null && m.model_nll !== undefined && m.bce === null) {
      terms.push(['model NLL', m.model_nll, 0, '−log p(x | z = μ) under ' + loss.likelihood]);
    }
    const elbos = [
      ['ELBO, Bernoulli', e.bernoulli, '−(BCE + β·KL)'],
      ['ELBO, Gaussian', e.gaussian, '−(Gaussian NLL + β·KL)'],
      ['ELBO, cont. Bernoulli', e.continuous_bernoulli, '−(cont. Bernoulli NLL + β·KL)'],
      ['ELBO, the model\'s (' + loss.likelihood + ')', e.model, 'the objective this model was trained on']
    ];
    return { terms: terms.filter((t) => t[1] !== null && t[1] !== undefined), elbos, r };
  }
  function renderLoss(loss) {
    const { terms, elbos, r } = lossTerms(loss);
    const c = chart('loss-chart', {
      type: 'bar',
      data: { labels: [], datasets: [
        { label: 'depends on the model', data: [], backgroundColor: '#2457c5', stack: 's' },
        { label: 'constant (same for every model)', data: [], backgroundColor: '#b9c3d6', stack: 's' }] },
      options: {
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'nats' } } },
        plugins: { tooltip: { callbacks: { afterLabel: (ctx) => explorer.formulas[ctx.dataIndex] } } }
      }
    });
    c.data.labels = terms.map((t) => t[0]);
    c.data.datasets[0].data = terms.map((t) => t[1]);
    c.data.datasets[1].data = terms.map((t) => t[2]);
    explorer.formulas = terms.map((t) => t[3]);
    c.update();
    const body = $('loss-table').tBodies[0];
    body.replaceChildren();
    for (const t of terms) {
      const tr = document.createElement('tr');
      tr.dataset.term = t[0];
      cell(tr, t[0]); cell(tr, fmt(t[1] + t[2], 4), 'num'); cell(tr, t[3]);
      body.append(tr);
    }
    for (const t of elbos.filter((t) => t[1] !== null && t[1] !== undefined)) {
      const tr = document.createElement('tr');
      cell(tr, t[0]); cell(tr, fmt(t[1], 4), 'num'); cell(tr, t[2]);
      body.append(tr);
    }
    renderMonteCarlo(r);
  }
  function renderMonteCarlo(r) {
    const mc = r.monte_carlo;
    if (mc) {
      const term = mc.bce ? ['E_q[BCE]', mc.bce] : ['−E_q[ELBO]', { mean: -mc.elbo.model.mean, standard_error: mc.elbo.model.standard_error }];
      const se = term[1].standard_error;
      $('mc-text').textContent = 'L = ' + mc.samples + ': ' + term[0] + ' = ' + fmt(term[1].mean) +
        (se !== null && se !== undefined ? ' ± ' + fmt(se) + ' (s/√L)' : ' (no standard error for L = 1)') +
        '; sampled KL ' + fmt(mc.kl.mean) + ' vs analytic ' + fmt(r.kl.total);
      if (se !== null && se !== undefined) {
        state.mc = state.mc.filter((p) => p.x !== mc.samples).concat([{ x: mc.samples, y: se }]).sort((p, q) => p.x - q.x);
      }
      const c = chart('mc-chart', {
        type: 'scatter',
        data: { datasets: [{ label: 'standard error', data: [], showLine: true, borderColor: '#d1495b', backgroundColor: '#d1495b' },
          { label: '∝ 1/√L', data: [], showLine: true, pointRadius: 0, borderDash: [4, 4], borderColor: '#5b6475' }] },
        options: { scales: { x: { type: 'logarithmic', title: { display: true, text: 'L' } }, y: { beginAtZero: true } } }
      });
      c.data.datasets[0].data = state.mc;
      const first = state.mc[0];
      c.data.datasets[1].data = first ? LADDER.filter((l) => l > 1).map((l) => ({ x: l, y: first.y * Math.sqrt(first.x / l) })) : [];
      c.update();
    }
    const iw = r.iwae;
    $('iwae-text').textContent = iw ? 'k = ' + iw.k + ': log p(x) ≥ ' + fmt(iw.log_likelihood) + ' nats (IWAE); the ELBO from the same draws ' +
      fmt(iw.elbo) + '; ' + fmt(r.bits_per_dim.value, 4) + ' bits/dim' : '';
  }

  // ---- latent space: sliders, traversal, interpolation, samples
  function buildSliders() {
    const k = state.model.latent;
    state.z = new Array(k).fill(0);
    const box = $('sliders');
    box.replaceChildren();
    for (let i = 0; i < Math.min(k, 64); i++) {
      const label = document.createElement('label');
      const out = document.createElement('output');
      out.textContent = '0.00';
      const input = document.createElement('input');
      Object.assign(input, { type: 'range', min: -3, max: 3, step: 0.05, value: 0, id: 'z' + i });
      input.addEventListener('input', () => { state.z[i] = +input.value; out.textContent = fmt(state.z[i], 2); decodeSoon(); });
      label.append('z' + i + ' = ', out, input);
      box.append(label);
    }
    if (k > 64) box.append('(the first 64 of ' + k + ' dimensions)');
  }
  function setZ(z) {
    state.z = z.slice();
    z.forEach((v, i) => {
      const s = $('z' + i);
      if (s) { s.value = v; s.previousSibling.textContent = fmt(v, 2); }
    });
    decodeSoon();
  }
  const decodeSoon = debounce(guard('decode-status', decode), 120);
  async function decode() {
    if (!canInfer()) { say($('decode-status'), 'Enter the API key at the top: this service protects inference.'); return; }
    const res = await api('POST', '/decode', { z: [state.z] });
    paintValues($('decoded'), res.results[0].mean);
    state.decodes++;
    say($('decode-status'), 'decoded z = [' + state.z.slice(0, 6).map((v) => fmt(v, 2)).join(', ') + (state.z.length > 6 ? ', …' : '') + ']');
  }
  function dims(text, k) {
    const out = [];
    for (const part of text.split(',')) {
      const m = part.trim().match(/^(\d+)(?:\s*-\s*(\d+))?$/);
      if (!m) continue;
      for (let d = +m[1]; d <= +(m[2] || m[1]) && d < k; d++) out.push(d);
    }
    return out.length ? out.slice(0, 64) : [0];
  }
  async function traverse() {
    const d = dims($('trav-dims').value, state.model.latent).join(',');
    const url = '/traverse?format=png&scale=2&dims=' + d + '&steps=' + $('trav-steps').value + '&range=' + $('trav-range').value;
    $('traverse-img').src = await api('GET', url, undefined, true);
    say($('traverse-status'), 'rows: dimensions ' + d);
  }
  async function interpolate() {
    const a = state.a || inputVector(), b = state.b || inputVector(presetGrey('circle'));
    $('interp-img').src = await api('POST', '/interpolate?format=png&scale=2',
      { inputs: [a, b], steps: +$('interp-steps').value, method: $('interp-method').value }, true);
    say($('interp-status'), (state.a ? 'A: your drawing' : 'A: the drawing') + ', ' + (state.b ? 'B: your drawing' : 'B: a circle') + ' (μ of each)');
  }
  function presetGrey(name) {
    const saved = drawing.v;
    preset(name);
    const grey = drawing.v;
    drawing.v = saved;
    renderDrawing();
    return grey;
  }
  async function sample() {
    const t = +$('temp').value;
    $('sample-img').src = await api('POST', '/sample?format=png&columns=8&scale=2', { n: 16, temperature: t, seed: state.sampleSeed++ }, true);
    say($('sample-status'), '16 draws z ~ N(0, ' + t + '²I), decoded');
  }
  function refreshLatent() {
    if (!canInfer()) return;
    decodeSoon();
    guard('traverse-status', traverse)();
    guard('interp-status', interpolate)();
    guard('sample-status', sample)();
  }

  // ---- datasets and the μ scatter
  async function loadDatasets(select) {
    state.datasets = await api('GET', '/datasets');
    for (const el of document.querySelectorAll('select.datasets')) {
      const keep = select || el.value;
      el.replaceChildren();
      const usable = el.id === 'embed-dataset' ? state.datasets.filter((d) => !state.model || d.height * d.width * d.channels === state.model.length) : state.datasets;
      for (const d of usable) {
        const o = document.createElement('option');
        o.value = d.id; o.textContent = d.name + ' (' + d.count + ', ' + d.height + '×' + d.width + (d.channels > 1 ? '×' + d.channels : '') + ')';
        el.append(o);
      }
      if (keep && usable.some((d) => d.id === keep)) el.value = keep;
    }
  }
  async function makeShapes(statusId) {
    const [c, h, w] = shape();
    const body = { count: 2000, seed: Math.floor(Math.random() * 1e6) };
    if (h === w && h >= 8 && h <= 256) body.size = h;
    if (c === 3) body.channels = 3;
    say($(statusId), 'Generating 2,000 shapes…');
    const row = await api('POST', '/datasets/shapes', body);
    await loadDatasets(row.id);
    say($(statusId), 'Dataset ' + row.id + ' ready.');
  }
  async function embed() {
    const id = $('embed-dataset').value;
    if (!id) { say($('embed-status'), 'No dataset of this model\'s input size yet: make one with "New shapes dataset".'); return; }
    say($('embed-status'), 'Encoding…');
    const e = await api('GET', '/datasets/' + encodeURIComponent(id) + '/embedding?n=' + $('embed-n').value +
      '&projection=' + $('embed-projection').value + '&seed=1');
    await chartLibrary;
    state.embedding = e;
    const groups = new Map();
    e.index.forEach((index, i) => {
      const label = e.label ? e.label[i] : 'all';
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push({ x: e.x[i], y: e.y[i], index });
    });
    const c = chart('embed-chart', {
      type: 'scatter', data: { datasets: [] },
      options: {
        scales: { x: { title: { display: true } }, y: { title: { display: true } } },
        onClick: (evt, elements, ch) => {
          if (!elements.length) return;
          const p = ch.data.datasets[elements[0].datasetIndex].data[elements[0].index];
          $('point-index').value = p.index;
          guard('embed-status', showPoint)(p.index);
        },
        plugins: { tooltip: { callbacks: { label: (ctx) => 'example ' + ctx.raw.index } } }
      }
    });
    c.data.datasets = [...groups.entries()].sort((p, q) => (p[0] > q[0] ? 1 : -1)).map(([label, data], i) => ({
      label: label === 'all' ? 'examples' : 'label ' + label, data, pointRadius: 2.5,
      backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length]
    }));
    const axis = (a) => a ? a.name + ' (' + fmt(100 * a.explained, 1) + '% of the variance of μ)' : '';
    c.options.scales.x.title.text = axis(e.axes[0]);
    c.options.scales.y.title.text = axis(e.axes[1]);
    c.update();
    say($('embed-status'), e.index.length + ' examples of ' + e.dataset + ' encoded by ' + e.model + '; click a point (or enter an index) to see it.');
  }
  async function showPoint(index) {
    const id = $('embed-dataset').value;
    const ex = await api('GET', '/datasets/' + encodeURIComponent(id) + '/examples/' + index);
    paintValues($('point-img'), ex.values);
    const rec = await api('POST', '/reconstruct', { inputs: [ex.values], latent: 'mean' });
    paintValues($('point-recon'), rec.results[0].reconstruction);
    say($('embed-status'), 'example ' + index + (ex.label !== undefined && ex.label !== null ? ', label ' + ex.label : '') + ' and its reconstruction');
  }

  // ---- training: a job from the form, followed over Server-Sent Events
  const PRESETS = { small: { hidden: [128], latentSize: 8 }, default: { hidden: [400], latentSize: 20 }, conv: { architecture: 'conv', latentSize: 16 } };
  async function startJob() {
    const spec = Object.assign({
      dataset: $('job-dataset').value, name: $('job-name').value, likelihood: $('job-likelihood').value,
      beta: +$('job-beta').value, epochs: +$('job-epochs').value, batchSize: +$('job-batch').value,
      learningRate: +$('job-lr').value, seed: 1
    }, PRESETS[$('job-preset').value], trainingOptions());
    const job = await api('POST', '/jobs', spec);
    await follow(job.id);
  }
  /** The training options the form sets; an empty field leaves its option off. */
  function trainingOptions() {
    const options = {};
    const number = (id) => ($(id).value === '' ? null : +$(id).value);
    if (number('job-warmup') !== null) options.klWarmup = { epochs: number('job-warmup') };
    if (number('job-free-bits') !== null) options.freeBits = number('job-free-bits');
    if (number('job-patience') !== null) options.earlyStopping = { patience: number('job-patience') };
    if ($('job-schedule').value) options.lrSchedule = { type: $('job-schedule').value };
    if (number('job-clip') !== null) options.clipNorm = number('job-clip');
    return options;
  }
  function jobChart() {
    return chart('job-chart', {
      type: 'scatter',
      data: { datasets: [
        { label: 'minibatch −ELBO', data: [], showLine: true, pointRadius: 0, borderColor: '#9fb4e3', backgroundColor: '#9fb4e3' },
        { label: 'epoch mean so far', data: [], showLine: true, pointRadius: 0, borderColor: '#2457c5', backgroundColor: '#2457c5' },
        { label: 'train −ELBO (epoch)', data: [], pointRadius: 5, borderColor: '#2a9d8f', backgroundColor: '#2a9d8f' },
        { label: 'validation −ELBO (epoch)', data: [], pointRadius: 5, pointStyle: 'triangle', borderColor: '#d1495b', backgroundColor: '#d1495b' }] },
      options: { scales: { x: { title: { display: true, text: 'step' } }, y: { title: { display: true, text: 'nats per example' } } } }
    });
  }
  function onJobEvent(name, data) {
    const job = state.job;
    const c = jobChart();
    if (name === 'status') {
      job.view = data;
      if (data.resumedFrom) job.resumed = data.resumedFrom.summary;
      if (data.progress) onJobEvent('progress', data.progress);
      (data.epochs || []).forEach((m) => onJobEvent('epoch', m));
      const done = TERMINAL.includes(data.status);
      say($('job-status'), 'Job ' + data.id + ': ' + data.status + (data.error ? ' — ' + data.error : '') +
        (data.model ? ' → model ' + data.model : '') + (data.resumedFrom ? ' (' + data.resumedFrom.summary + ')' : '') +
        (data.status === 'PAUSED' && data.checkpoint ? ' at epoch ' + data.checkpoint.epoch + ' / step ' + data.checkpoint.step : ''));
      if (data.status === 'FAILED') $('job-status').classList.add('error');
      $('job-cancel').disabled = done;
      $('job-pause').disabled = done;
      $('job-pause').textContent = (data.status === 'PAUSED') ? 'Resume' : 'Pause';
      $('job-activate').disabled = !(data.status === 'SUCCEEDED' && data.model);
    } else if (name === 'progress') {
      job.perEpoch = data.totalSteps / Math.max(1, data.totalEpochs);
      $('job-progress').value = data.fraction;
      if (job.view && !TERMINAL.includes(job.view.status)) {
        say($('job-status'), 'Job ' + job.id + ': epoch ' + data.epoch + '/' + data.totalEpochs + ', step ' + data.step + '/' + data.totalSteps +
          (data.etaSeconds !== null && data.etaSeconds !== undefined ? ', about ' + Math.ceil(data.etaSeconds) + ' s left' : '') +
          (job.resumed ? ' (' + job.resumed + ')' : ''));
      }
    } else if (name === 'resumed') {
      job.resumed = data.summary;
      say($('job-status'), 'Job ' + job.id + ': ' + data.summary + ' (' + data.reason + ')');
    } else if (name === 'loss') {
      c.data.datasets[0].data.push({ x: data.step, y: data.negElbo });
      c.data.datasets[1].data.push({ x: data.step, y: data.epochMeanNegElbo });
    } else if (name === 'epoch') {
      const x = data.epoch * (job.perEpoch || 1);
      if (!c.data.datasets[2].data.some((p) => p.epoch === data.epoch)) {
        c.data.datasets[2].data.push({ x, y: data.trainNegElbo, epoch: data.epoch });
        c.data.datasets[3].data.push({ x, y: data.validationNegElbo, epoch: data.epoch });
      }
    }
    c.update('none');
  }
  async function stream(id) {
    const res = await fetch('/jobs/' + encodeURIComponent(id) + '/events', { headers: headers({ Accept: 'text/event-stream' }) });
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, '\n');
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message', data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).replace(/^ /, '');
        }
        if (data) onJobEvent(event, JSON.parse(data));
      }
    }
  }
  async function follow(id) {
    await chartLibrary;
    state.job = { id, view: null, perEpoch: null, resumed: null };
    const c = jobChart();
    c.data.datasets.forEach((d) => { d.data = []; });
    c.update('none');
    $('job-progress').value = 0;
    $('job-status').classList.remove('error');
    $('job-cancel').disabled = false;
    $('job-pause').disabled = false;
    $('job-pause').textContent = 'Pause';
    $('job-activate').disabled = true;
    for (;;) {
      await stream(id);
      const view = await api('GET', '/jobs/' + encodeURIComponent(id));
      onJobEvent('status', view);
      if (TERMINAL.includes(view.status) || state.job.id !== id) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await loadJobs();
  }
  async function loadJobs() {
    const page = await api('GET', '/jobs?size=20');
    const body = $('jobs').tBodies[0];
    body.replaceChildren();
    for (const j of page.items) {
      const tr = document.createElement('tr');
      const last = (j.epochs && j.epochs.length) ? j.epochs[j.epochs.length - 1] : null;
      cell(tr, j.id); cell(tr, j.status);
      cell(tr, (j.epochs ? j.epochs.length : 0) + '/' + j.spec.epochs, 'num');
      cell(tr, last ? fmt(last.validationNegElbo, 2) : '—', 'num');
      cell(tr, j.model || '');
      const actions = cell(tr, '');
      actions.append(button('Curve', () => pastCurve(j)));
      if (!TERMINAL.includes(j.status)) actions.append(button('Follow', guard('job-status', () => follow(j.id))));
      body.append(tr);
    }
  }
  async function pastCurve(job) {
    await chartLibrary;
    const c = chart('past-chart', {
      type: 'line',
      data: { labels: [], datasets: [
        { label: 'train −ELBO', data: [], borderColor: '#2a9d8f', backgroundColor: '#2a9d8f' },
        { label: 'validation −ELBO', data: [], borderColor: '#d1495b', backgroundColor: '#d1495b' }] },
      options: { scales: { x: { title: { display: true, text: 'epoch' } } }, plugins: { title: { display: true, text: '' } } }
    });
    c.data.labels = job.epochs.map((m) => m.epoch);
    c.data.datasets[0].data = job.epochs.map((m) => m.trainNegElbo);
    c.data.datasets[1].data = job.epochs.map((m) => m.validationNegElbo);
    c.options.plugins.title.text = job.id + ' (' + job.status + ')';
    c.update();
  }

  // ---- wiring
  function wire() {
    drawing.canvas = $('draw');
    const analyseSoon = debounce(guard('loss-status', analyse), 150);
    const c = drawing.canvas;
    c.addEventListener('pointerdown', (e) => { drawing.down = true; drawing.last = null; c.setPointerCapture(e.pointerId); strokeTo(...canvasPoint(e)); });
    c.addEventListener('pointermove', (e) => { if (drawing.down) strokeTo(...canvasPoint(e)); });
    const up = () => { if (drawing.down) { drawing.down = false; drawing.last = null; analyseSoon(); } };
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    c.addEventListener('focus', renderDrawing);
    c.addEventListener('blur', renderDrawing);
    c.addEventListener('keydown', (e) => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (moves[e.key]) {
        drawing.cursor[0] = Math.max(0, Math.min(drawing.w - 1, drawing.cursor[0] + moves[e.key][0]));
        drawing.cursor[1] = Math.max(0, Math.min(drawing.h - 1, drawing.cursor[1] + moves[e.key][1]));
      } else if (e.key === ' ' || e.key === 'Enter') {
        paintAt(drawing.cursor[0] + 0.5, drawing.cursor[1] + 0.5);
        analyseSoon();
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        drawing.v.fill(0);
        analyseSoon();
      } else return;
      e.preventDefault();
      renderDrawing();
    });
    $('draw-clear').addEventListener('click', () => { drawing.v.fill(0); renderDrawing(); state.mc = []; analyseSoon(); });
    for (const b of document.querySelectorAll('[data-preset]')) {
      b.addEventListener('click', () => { preset(b.dataset.preset); state.mc = []; analyseSoon(); });
    }
    $('upload').addEventListener('change', (e) => { if (e.target.files[0]) guard('loss-status', upload)(e.target.files[0]); state.mc = []; });
    $('mc-l').addEventListener('input', () => { $('mc-l-out').textContent = LADDER[+$('mc-l').value]; analyseSoon(); });
    $('iwae-k').addEventListener('change', analyseSoon);

    $('z-zero').addEventListener('click', () => setZ(new Array(state.model.latent).fill(0)));
    $('z-random').addEventListener('click', () => setZ(state.z.map(() => {
      const u = 1 - Math.random(), v = Math.random();
      return Math.max(-3, Math.min(3, Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));
    })));
    $('z-input').addEventListener('click', () => { if (state.mu) setZ(state.mu.map((v) => Math.max(-3, Math.min(3, v)))); });
    $('traverse-form').addEventListener('submit', (e) => { e.preventDefault(); guard('traverse-status', traverse)(); });
    $('interp-a').addEventListener('click', () => { state.a = inputVector(); say($('interp-status'), 'A set to the drawing'); });
    $('interp-b').addEventListener('click', () => { state.b = inputVector(); say($('interp-status'), 'B set to the drawing'); });
    $('interp-form').addEventListener('submit', (e) => { e.preventDefault(); guard('interp-status', interpolate)(); });
    $('temp').addEventListener('input', () => { $('temp-out').textContent = fmt(+$('temp').value, 1); });
    $('sample-form').addEventListener('submit', (e) => { e.preventDefault(); guard('sample-status', sample)(); });
    $('embed-form').addEventListener('submit', (e) => { e.preventDefault(); guard('embed-status', embed)(); });
    $('point-form').addEventListener('submit', (e) => { e.preventDefault(); guard('embed-status', showPoint)(+$('point-index').value); });
    for (const b of document.querySelectorAll('.make-shapes')) {
      const where = b.closest('#training') ? 'job-status' : 'embed-status';
      b.addEventListener('click', guard(where, () => makeShapes(where)));
    }
    $('job-form').addEventListener('submit', (e) => { e.preventDefault(); guard('job-status', startJob)(); });
    $('job-cancel').addEventListener('click', guard('job-status', async () => {
      if (state.job) await api('DELETE', '/jobs/' + encodeURIComponent(state.job.id));
    }));
    $('job-pause').addEventListener('click', guard('job-status', async () => {
      if (!state.job) return;
      const paused = state.job.view && state.job.view.status === 'PAUSED';
      const view = await api('POST', '/jobs/' + encodeURIComponent(state.job.id) + (paused ? '/resume' : '/pause'));
      onJobEvent('status', view);
    }));
    $('job-activate').addEventListener('click', guard('job-status', async () => {
      const model = state.job && state.job.view && state.job.view.model;
      if (model) { await activate(model); say($('job-status'), 'Model ' + model + ' is now active: every section above uses it.'); }
    }));
    $('key-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = $('api-key').value.trim();
      if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
      $('api-key').value = '';
      $('api-key').placeholder = key ? 'a key is entered (hidden)' : 'paste the key';
      explorer.keyChecks = (explorer.keyChecks || 0) + 1;
      guard('error', async () => {
        await checkAuth();
        await analyse();
        if (state.latentShown) refreshLatent();
      })();
    });
    $('key-forget').addEventListener('click', guard('error', async () => { sessionStorage.removeItem(KEY); await checkAuth(); }));
  }
  /** The latent section's pictures load when it first comes into view. */
  function watchLatent() {
    new IntersectionObserver((entries, observer) => {
      if (entries.some((e) => e.isIntersecting) && state.model) {
        state.latentShown = true;
        observer.disconnect();
        refreshLatent();
      }
    }).observe($('latent'));
  }

  async function init() {
    wire();
    performance.mark('explorer-interactive');
    const show = (id) => (e) => fail($(id), e);
    await checkAuth().catch(show('error'));
    if (sessionStorage.getItem(KEY)) $('api-key').placeholder = 'a key is entered (hidden)';
    await Promise.all([
      loadModel().then(() => { resetDrawing(); preset('square'); buildSliders(); }).catch(show('error')),
      loadVersions().catch(show('versions-status')),
      loadJobs().catch(show('job-status'))
    ]);
    await loadDatasets().catch(show('embed-status'));
    await analyse().catch(show('loss-status'));
    watchLatent();
    performance.mark('explorer-ready');
    explorer.ready = true;
  }
  init();
})();
