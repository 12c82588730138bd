// glassnet Playground: the page. It only draws; every number comes from glassnet on the server,
// over one websocket (see glassnet/playground/server.py for the messages).
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const CLASS_COLOURS = ["#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const NUMBER_FIELDS = ["n_samples", "noise", "test_fraction", "seed", "lr", "batch_size",
  "l2", "l1", "dropout"];
const CHOICE_FIELDS = ["dataset", "optimizer", "cost", "activation"];
const LIST_FIELDS = ["hidden", "features", "layer_activations"];
// what each number field must be, for the message when it is left empty
const NUMBER_RULES = { n_samples: "a whole number of samples", noise: "a number from 0 to 1",
  test_fraction: "a number from 0.1 to 0.9", seed: "a whole number", lr: "a learning rate such as 0.03",
  batch_size: "a whole number", l2: "a number from 0 to 1", l1: "a number from 0 to 1",
  dropout: "a number from 0 to 0.9" };

const WALK_INTRO = document.getElementById("walk-text").textContent;

const app = {
  socket: null,
  options: null,
  config: null, // the setup the page shows (what the server accepted, or what the user typed)
  dataset: null, // the last "dataset" message
  state: null, // the last "state" message
  structure: "", // sizes the SVG was built for
  selection: null,
  walk: null, // {data, phase} while stepping through one sample
  playing: false,
  reveal: false, // bring the next explanation into view (the user just opened it)
  rate: { steps: 0, time: 0, value: 0 }, // for the steps-per-second counter
  alive: null, // the timer that tells the server this tab is still open
};

// -- numbers and colours ---------------------------------------------------------------------

function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

function mix(hex, t) {
  // hex colour faded towards white: t = 0 white, t = 1 the colour
  const n = parseInt(hex.slice(1), 16);
  const r = (n >> 16) & 255, g = (n >> 8) & 255, b = n & 255;
  return [255 + (r - 255) * t, 255 + (g - 255) * t, 255 + (b - 255) * t];
}

function signedColour(t) {
  // t in [−1, 1]: orange for negative, white for 0, blue for positive
  return t >= 0 ? mix(CLASS_COLOURS[1], t) : mix(CLASS_COLOURS[0], -t);
}

function bytes(b64) {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function paint(canvas, side, colourAt) {
  // fill a side × side canvas, cell by cell, from colourAt(i) → [r, g, b]
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const [r, g, b] = colourAt(i);
    img.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

function signedPicture(b64, side) {
  const q = bytes(b64);
  const c = document.createElement("canvas");
  paint(c, side, (i) => signedColour(q[i] / 127.5 - 1));
  return c.toDataURL();
}

// -- the URL holds the setup -----------------------------------------------------------------

function configFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const config = {};
  for (const [key, value] of params) {
    if (key === "view" || key.startsWith("lab_")) continue; // the lab's own settings
    if (LIST_FIELDS.includes(key)) {
      const items = value === "" ? [] : value.split(",");
      config[key] = key === "hidden" ? items.map((v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v)) : items;
    } else if (NUMBER_FIELDS.includes(key)) {
      // a number, or the text as typed (so the server can say "got 'NaN'", not "got None")
      config[key] = value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
    } else {
      config[key] = value;
    }
  }
  return config;
}

function hashOf(config) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(config)) {
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return "#" + params.toString().replaceAll("%2C", ",");
}

function writeHash(config) {
  const hash = hashOf(config) + labHash();
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

// -- talking to the server -------------------------------------------------------------------

const QUIET = ["alive", "state", "landscape"]; // messages that are not the user doing something

function send(message) {
  if (!QUIET.includes(message.type)) showError(""); // a new action: the old message goes
  if (app.socket && app.socket.readyState === WebSocket.OPEN) {
    app.socket.send(JSON.stringify(message));
  }
}

function showError(text) {
  $("error-text").textContent = text;
  $("error").hidden = !text;
  document.body.dataset.error = text;
}

function forgetToken() {
  // the printed address carries the server's token; the server answered it with a cookie that
  // only this page sends, so the token leaves the address bar (and "Share URL" never copies it)
  const params = new URLSearchParams(location.search);
  if (!params.has("token")) return;
  params.delete("token");
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? `?${query}` : "") + location.hash);
}

function stayAlive(idleSeconds) {
  // the server closes a tab that sends nothing for idleSeconds: an open, visible tab says it
  // is still here; a hidden one stays quiet, so an abandoned tab frees its place
  clearInterval(app.alive);
  const every = Math.max(1, Math.min(60, idleSeconds / 3)) * 1000;
  app.alive = setInterval(() => {
    if (document.visibilityState === "visible") send({ type: "alive" });
  }, every);
}

function connect() {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  app.socket = socket;
  socket.onopen = () => {
    $("connection").textContent = "connected";
    $("connection").className = "on";
  };
  socket.onclose = () => {
    clearInterval(app.alive);
    $("connection").textContent = "disconnected – reload the page";
    $("connection").className = "off";
    document.body.dataset.session = "";
  };
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    const handler = HANDLERS[msg.type];
    if (handler) handler(msg);
  };
}

const HANDLERS = {
  hello(msg) {
    app.options = msg.options;
    document.body.dataset.session = msg.session;
    stayAlive(msg.idle_seconds);
    $("download").href = `/api/sessions/${msg.session}/model`;
    buildChoices();
    buildFeatures(msg.options.features);
    setupLab(msg.lab);
    const wanted = configFromHash();
    if (Object.keys(wanted).length) {
      app.config = { ...msg.options.defaults, ...wanted };
      send({ type: "config", config: wanted });
    }
  },
  dataset(msg) {
    app.dataset = msg;
    app.config = msg.config;
    app.structure = "";
    app.selection = null;
    stopWalk();
    $("walk-text").textContent = WALK_INTRO;
    showControls(msg.config);
    writeHash(msg.config);
    showError("");
    document.body.dataset.dataset = msg.name;
  },
  state(msg) {
    app.state = msg;
    app.playing = !!msg.playing;
    drawState(msg);
    document.body.dataset.steps = String(msg.steps);
  },
  explanation(msg) {
    showExplanation(msg.explanation);
  },
  walkthrough(msg) {
    app.walk = { data: msg, phase: 0 };
    showWalk();
  },
  error(msg) {
    showError(msg.message);
    if (msg.about === "lab" && app.labPending > 0) {
      app.labPending--;
      document.body.dataset.labStatus = app.labPending ? "running" : "error";
    }
    if (msg.about === "lab" && app.labResult) {
      // the lab keeps only what the server accepted: its boxes and the address go back
      const r = app.labResult.request;
      Object.assign(app.lab, { surface: r.surface, optimizers: [...r.optimizers], lr: { ...app.lab.lr, ...r.lr },
        start: [...r.start], steps: r.steps });
      showLabControls();
      if (app.config) writeHash(app.config);
    }
    if (app.dataset) {
      // the server kept the setup it had: show that one again (the message says what was wrong)
      app.config = app.dataset.config;
      showControls(app.config);
      writeHash(app.config);
    }
  },
};

// -- controls --------------------------------------------------------------------------------

function fillSelect(select, names) {
  select.innerHTML = "";
  for (const name of names) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    select.appendChild(option);
  }
}

function buildChoices() {
  const o = app.options;
  fillSelect($("dataset"), o.datasets);
  fillSelect($("optimizer"), o.optimizers);
  fillSelect($("cost"), o.costs);
  fillSelect($("activation"), o.activations);
  for (const name of ["l2", "l1", "dropout"]) {
    $(name).disabled = !o.regularisation[name];
    if (!o.regularisation[name]) $(name).title = "not in this version of glassnet";
  }
}

function showControls(config) {
  for (const key of CHOICE_FIELDS) $(key).value = config[key];
  for (const key of NUMBER_FIELDS) $(key).value = config[key];
  const image = app.options && app.options.image_datasets.includes(config.dataset);
  for (const el of document.querySelectorAll(".toy")) el.hidden = image;
  $("sizes").textContent = `hidden: [${config.hidden.join(", ")}]`;
  const d = app.dataset;
  const oneD = d && d.coordinates === 1, wide = !d || d.coordinates === null || d.coordinates > 2;
  for (const box of document.querySelectorAll("#features input")) {
    box.checked = (config.features || []).includes(box.value);
    box.disabled = wide || (oneD && box.dataset.uses === "2");
    box.parentElement.classList.toggle("off", box.disabled);
  }
  $("features").title = wide ? "this data set's inputs are its columns" : "";
}

function buildFeatures(features) {
  const box = $("features");
  for (const [name, label] of Object.entries(features)) {
    const row = document.createElement("label");
    row.innerHTML = `<input type="checkbox" value="${name}" data-uses="${name.includes("2") ? 2 : 1}"> <span></span>`;
    row.querySelector("span").textContent = label;
    row.querySelector("input").addEventListener("change", () => {
      const config = readControls();
      if (config) changeConfig(config);
    });
    box.appendChild(row);
  }
}

function readControls() {
  // the setup the controls show; an empty or unreadable box is said, never sent as 0
  const config = { ...app.config };
  for (const key of CHOICE_FIELDS) config[key] = $(key).value;
  for (const key of NUMBER_FIELDS) {
    const text = $(key).value.trim();
    if (text === "" || !Number.isFinite(Number(text))) {
      showError(`${$(key).closest("label").firstChild.textContent.trim()} is empty: type ${NUMBER_RULES[key]}`);
      $(key).focus();
      return null;
    }
    config[key] = Number(text);
  }
  const boxes = [...document.querySelectorAll("#features input")];
  if (boxes.length && !boxes.every((b) => b.disabled)) {
    const kept = (app.config.features || []).filter((f) => boxes.find((b) => b.value === f && b.disabled));
    config.features = [...kept, ...boxes.filter((b) => b.checked && !b.disabled).map((b) => b.value)];
  }
  return config;
}

function changeConfig(config) {
  if (!config) return;
  app.config = config;
  writeHash(config);
  send({ type: "config", config });
}

function maxNeurons(config) {
  const limits = app.options.limits;
  return app.options.image_datasets.includes(config.dataset) ? limits.neurons_image : limits.neurons_2d;
}

function wireControls() {
  for (const key of [...CHOICE_FIELDS, ...NUMBER_FIELDS]) {
    $(key).addEventListener("change", () => {
      const config = readControls();
      if (key === "activation" && config) config.layer_activations = [];
      changeConfig(config);
    });
  }
  $("add-layer").onclick = () => {
    const config = readControls();
    if (!config) return;
    if (config.hidden.length >= app.options.limits.hidden_layers) {
      showError(`at most ${app.options.limits.hidden_layers} hidden layers`);
      return;
    }
    config.hidden = [...config.hidden, 2];
    if (config.layer_activations.length) config.layer_activations = [...config.layer_activations, config.activation];
    changeConfig(config);
  };
  $("remove-layer").onclick = () => {
    const config = readControls();
    if (!config) return;
    config.hidden = config.hidden.slice(0, -1);
    config.layer_activations = config.layer_activations.slice(0, config.hidden.length);
    changeConfig(config);
  };
  $("play").onclick = () => send({ type: app.playing ? "pause" : "play" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("new-weights").onclick = () => send({ type: "reset", what: "weights" });
  $("new-data").onclick = () => send({ type: "reset", what: "data" });
  $("speed").onchange = () => send({ type: "speed", steps_per_second: Number($("speed").value) });
  $("error-close").onclick = () => showError("");
  $("discretize").onchange = () => app.state && drawBoundary(app.state);
  wireUpload();
  $("share").onclick = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      $("share").textContent = "copied";
    } catch {
      $("share").textContent = "copy the address bar";
    }
    setTimeout(() => ($("share").textContent = "Share URL"), 1500);
  };
  $("show-test").onchange = () => app.state && drawBoundary(app.state);
  $("edit-apply").onclick = () => {
    const s = app.selection;
    const text = $("edit-value").value.trim();
    const value = Number(text);
    const what = s && s.kind === "bias" ? "bias" : "weight";
    if (!s || text === "" || !Number.isFinite(value)) {
      return showError(`"set it to" is empty: type a number to set the ${what} to (−1000 to 1000)`);
    }
    send({ type: "set", kind: s.kind, l: s.l, j: s.j, k: s.k || 0, value });
  };
  $("explain-bias").onclick = () => {
    const s = app.selection;
    if (s && s.l > 0) select({ kind: "bias", l: s.l, j: s.j });
  };
  $("explain-close").onclick = () => select(null);
  $("explain-latex-box").addEventListener("toggle", async () => {
    if (!$("explain-latex-box").open) return;
    const sid = document.body.dataset.session;
    const answer = await (await fetch(`/api/sessions/${sid}/explanation`)).json();
    const e = answer.explanation;
    $("explain-latex").textContent = e && e.latex ? e.latex : "(no LaTeX for this one)";
  });
  $("walk-start").onclick = () => send({ type: "walkthrough", sample: Number($("walk-sample").value) });
  $("walk-next").onclick = () => { app.walk.phase++; showWalk(); };
  $("walk-prev").onclick = () => { app.walk.phase--; showWalk(); };
  $("walk-apply").onclick = () => {
    send({ type: "apply_walkthrough", sample: app.walk.data.sample });
    stopWalk();
  };
  $("walk-stop").onclick = stopWalk;
  window.addEventListener("hashchange", () => {
    const wanted = configFromHash();
    if (app.config && hashOf({ ...app.config, ...wanted }) !== hashOf(app.config)) {
      changeConfig({ ...app.config, ...wanted });
    }
    labFromHashChange();
  });
}

// -- your own data: a CSV file, by the file picker or dropped on the page ----------------------

async function uploadFile(file) {
  // read in the browser, checked and parsed on the server in memory (never saved to disk)
  const most = app.options.upload.characters;
  if (!/\.(csv|txt|tsv)$/i.test(file.name) && file.type && !file.type.startsWith("text/")) {
    return showError(`${file.name} is not a CSV file: give a text file of numbers, label last`);
  }
  if (file.size > most) {
    return showError(`${file.name} is too large (${Math.ceil(file.size / 1024)} KiB, at most ${most / 1024} KiB): keep at most ${app.options.upload.rows[1]} rows`);
  }
  const text = await file.text();
  document.body.dataset.upload = file.name;
  send({ type: "upload", csv: text });
}

function wireUpload() {
  $("csv-file").addEventListener("change", () => {
    const file = $("csv-file").files[0];
    if (file) uploadFile(file);
    $("csv-file").value = ""; // the same file again is a new upload
  });
  const body = document.body;
  body.addEventListener("dragover", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    body.classList.add("dropping");
  });
  body.addEventListener("dragleave", (event) => {
    if (event.target === body || !event.relatedTarget) body.classList.remove("dropping");
  });
  body.addEventListener("drop", (event) => {
    body.classList.remove("dropping");
    if (!event.dataTransfer.files.length) return;
    event.preventDefault();
    if (event.dataTransfer.files.length > 1) return showError("drop one CSV file at a time");
    uploadFile(event.dataTransfer.files[0]);
  });
}

// -- the network drawing ---------------------------------------------------------------------

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

const NET_WIDTH = 620, NET_HEIGHT = 400; // the SVG's own units (its viewBox); it scales to fit

function layout(sizes) {
  // x of each layer's column, and each neuron's centre and size; every neuron inside the box
  const width = NET_WIDTH, height = NET_HEIGHT;
  const L = sizes.length - 1;
  const left = 64, right = 84; // room for the input and output labels
  const xs = sizes.map((_, l) => left + (l * (width - left - right)) / Math.max(L, 1));
  return sizes.map((n, l) => {
    const step = Math.min(40, (height - 34) / n);
    const size = Math.max(2, Math.min(36, step - (step > 8 ? 4 : 1)));
    const top = 22 + (height - 28 - n * step) / 2;
    return Array.from({ length: n }, (_, j) => ({ x: xs[l], y: top + j * step + step / 2, size }));
  });
}

function keyboard(node, label, open) {
  // reachable with Tab, opened with Enter or Space, named for a screen reader
  node.setAttribute("tabindex", "0");
  node.setAttribute("role", "button");
  node.setAttribute("aria-label", label);
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      open();
    }
  });
}

function ioLabels(sizes) {
  // the names of the inputs (x₁, x₁², …) and of the outputs (the classes, or ŷ)
  const d = app.dataset || {};
  const inputs = d.inputs || [];
  const K = sizes[sizes.length - 1];
  let outputs;
  if (d.regression) outputs = ["ŷ"];
  else if (K === 1 && d.classes && d.classes.length === 2) outputs = [`P(${d.classes[1]})`];
  else outputs = (d.classes || []).map((c) => `class ${c}`);
  return { inputs, outputs };
}

function buildNetwork(state) {
  const svg = $("net");
  svg.innerHTML = "";
  const sizes = state.sizes;
  const pos = layout(sizes);
  app.pos = pos;
  const wires = el("g", {}, svg);
  const hits = el("g", {}, svg);
  const few = (l) => sizes[l - 1] * sizes[l] <= 600;
  for (let l = 1; l < sizes.length; l++) {
    for (let j = 0; j < sizes[l]; j++) {
      for (let k = 0; k < sizes[l - 1]; k++) {
        const a = pos[l - 1][k], b = pos[l][j];
        const coords = { x1: a.x + a.size / 2, y1: a.y, x2: b.x - b.size / 2, y2: b.y };
        const line = el("line", { ...coords, class: "weight", id: `w-${l}-${j}-${k}`,
          "data-l": l, "data-j": j, "data-k": k }, wires);
        if (few(l)) {
          el("line", { ...coords, class: "hit", "data-l": l, "data-j": j, "data-k": k }, hits);
          keyboard(line, `weight w(${l}) ${j},${k}`, () => select({ kind: "weight", l, j, k }));
        }
      }
    }
  }
  const names = ioLabels(sizes);
  const L = sizes.length - 1;
  for (let l = 0; l < sizes.length; l++) {
    const label = l === 0 ? "input" : l === L ? `output layer ${l}` : `layer ${l}`;
    el("text", { x: pos[l][0].x, y: 12, "text-anchor": "middle", class: "layer-label" }, svg)
      .textContent = label;
    for (let j = 0; j < sizes[l]; j++) {
      const p = pos[l][j];
      const g = el("g", { class: "neuron", id: `n-${l}-${j}`, "data-l": l, "data-j": j }, svg);
      keyboard(g, `neuron ${j} of layer ${l}`, () => select({ kind: "neuron", l, j }));
      const io = l === 0 ? names.inputs : l === L ? names.outputs : [];
      if (io[j] !== undefined && sizes[l] <= 16) {
        el("text", { x: l === 0 ? p.x - p.size / 2 - 4 : p.x + p.size / 2 + 4, y: p.y + 4,
          "text-anchor": l === 0 ? "end" : "start", class: "io-label" }, svg).textContent = io[j];
      }
      if (p.size >= 12) {
        el("rect", { x: p.x - p.size / 2, y: p.y - p.size / 2, width: p.size, height: p.size,
          fill: "#fff" }, g);
        el("image", { x: p.x - p.size / 2, y: p.y - p.size / 2, width: p.size, height: p.size,
          preserveAspectRatio: "none", style: "pointer-events:none" }, g);
      } else {
        el("circle", { cx: p.x, cy: p.y, r: p.size / 2, fill: "#fff" }, g);
      }
      el("text", { x: p.x, y: p.y + 3.5, "text-anchor": "middle", class: "value" }, g);
      if (l > 0 && p.size >= 8) { // the bias b^(l)_j: a small square at the lower left
        const side = Math.max(5, p.size / 4);
        const bias = el("rect", { x: p.x - p.size / 2 - side / 2, y: p.y + p.size / 2 - side / 2,
          width: side, height: side, class: "bias", id: `b-${l}-${j}`, fill: "#fff" }, svg);
        bias.addEventListener("click", () => select({ kind: "bias", l, j }));
        bias.addEventListener("mousemove", (e) => hoverText(e, `b^(${l})_${j} = ${fmt(app.state.b[l - 1][j])}`));
        bias.addEventListener("mouseleave", () => ($("hover").hidden = true));
        keyboard(bias, `bias b(${l}) ${j}`, () => select({ kind: "bias", l, j }));
      }
    }
  }
  for (const line of svg.querySelectorAll(".weight, .hit")) {
    line.addEventListener("click", () => select({ kind: "weight", l: +line.dataset.l,
      j: +line.dataset.j, k: +line.dataset.k }));
    line.addEventListener("mousemove", (e) => hover(e, line));
    line.addEventListener("mouseleave", () => ($("hover").hidden = true));
  }
  for (const g of svg.querySelectorAll(".neuron")) {
    g.addEventListener("click", () => select({ kind: "neuron", l: +g.dataset.l, j: +g.dataset.j }));
  }
  buildNeuronButtons(sizes, pos);
  app.structure = sizes.join("-");
}

function buildNeuronButtons(sizes, pos) {
  const box = $("neuron-buttons");
  box.innerHTML = "";
  for (let l = 1; l < sizes.length - 1; l++) {
    const div = document.createElement("div");
    div.className = "nb";
    div.style.left = `${(100 * pos[l][0].x) / NET_WIDTH}%`;
    for (const [text, delta] of [["+", 1], ["−", -1]]) {
      const b = document.createElement("button");
      b.textContent = text;
      b.title = `${delta > 0 ? "add a neuron to" : "remove a neuron from"} layer ${l}`;
      b.className = delta > 0 ? "add-neuron" : "remove-neuron";
      b.onclick = () => {
        const config = readControls();
        const hidden = [...config.hidden];
        const n = hidden[l - 1] + delta;
        if (n < 1) return showError("a hidden layer needs at least one neuron; remove the layer instead");
        if (n > maxNeurons(config)) return showError(`at most ${maxNeurons(config)} neurons per hidden layer`);
        hidden[l - 1] = n;
        changeConfig({ ...config, hidden });
      };
      div.appendChild(b);
    }
    const pick = document.createElement("select"); // this layer's own σ
    pick.className = "layer-activation";
    pick.title = `the activation of layer ${l}`;
    pick.setAttribute("aria-label", pick.title);
    fillSelect(pick, app.options.activations);
    pick.value = app.state && app.state.activations[l - 1] ? app.state.activations[l - 1] : app.config.activation;
    pick.onchange = () => {
      const config = readControls();
      if (!config) return;
      const acts = config.hidden.map((_, i) => (app.state.activations[i] || config.activation));
      acts[l - 1] = pick.value;
      config.layer_activations = acts;
      changeConfig(config);
    };
    div.appendChild(pick);
    box.appendChild(div);
  }
  box.classList.toggle("wide", sizes.length > 2);
}

function hover(event, line) {
  const l = +line.dataset.l, j = +line.dataset.j, k = +line.dataset.k;
  hoverText(event, `w^(${l})_{${j},${k}} = ${fmt(app.state.W[l - 1][j][k])}`);
}

function hoverText(event, text) {
  const box = $("hover");
  box.textContent = text;
  box.style.left = `${event.clientX + 12}px`;
  box.style.top = `${event.clientY + 12}px`;
  box.hidden = false;
}

function drawNetwork(state) {
  if (app.structure !== state.sizes.join("-")) buildNetwork(state);
  const svg = $("net");
  let biggest = 1e-9;
  for (const W of state.W) for (const row of W) for (const w of row) biggest = Math.max(biggest, Math.abs(w));
  const scale = Math.max(biggest, 1);
  for (let l = 1; l < state.sizes.length; l++) {
    const W = state.W[l - 1];
    // many lines between two layers: thinner and fainter, so the large weights still stand out
    const thin = Math.min(1, 40 / (W.length * W[0].length || 1)) ** 0.5;
    for (let j = 0; j < W.length; j++) {
      for (let k = 0; k < W[j].length; k++) {
        const line = document.getElementById(`w-${l}-${j}-${k}`);
        const w = W[j][k];
        line.setAttribute("stroke", w >= 0 ? CLASS_COLOURS[1] : CLASS_COLOURS[0]);
        const t = Math.abs(w) / scale;
        line.setAttribute("stroke-width", (0.3 + 5 * t * thin).toFixed(2));
        line.setAttribute("stroke-opacity", (thin < 1 ? Math.min(1, 0.05 + t) : 0.25 + 0.75 * t).toFixed(2));
      }
      const bias = document.getElementById(`b-${l}-${j}`);
      if (bias) {
        const b = state.b[l - 1][j];
        const [r, g, bl] = signedColour(Math.max(-1, Math.min(1, b / scale)));
        bias.setAttribute("fill", `rgb(${r | 0},${g | 0},${bl | 0})`);
      }
    }
  }
  const pictures = state.pictures || { neurons: {} };
  const side = app.dataset && app.dataset.image_shape ? app.dataset.image_shape[0] : app.dataset.grid;
  for (const [key, b64] of Object.entries(pictures.neurons)) {
    const image = svg.querySelector(`#n-${key.replace(",", "-")} image`);
    if (image) image.setAttribute("href", signedPicture(b64, side));
  }
  const output = svg.querySelector(`#n-${state.sizes.length - 1}-0 image`);
  const single = state.sizes[state.sizes.length - 1] === 1;
  if (output && pictures.output && single) output.setAttribute("href", $("boundary").toDataURL());
  for (const node of svg.querySelectorAll(".selected")) node.classList.remove("selected");
  const s = app.selection;
  if (s) {
    const id = s.kind === "weight" ? `w-${s.l}-${s.j}-${s.k}` : s.kind === "bias" ? `b-${s.l}-${s.j}` : `n-${s.l}-${s.j}`;
    const node = document.getElementById(id);
    if (node) node.classList.add("selected");
  }
}

// -- output: decision boundary, gallery, loss curves -----------------------------------------

function targetColour(d, y) {
  // a point's colour: its class, or for a regression its target on the blue/orange scale
  if (!d.regression) return CLASS_COLOURS[y % CLASS_COLOURS.length];
  const [lo, hi] = d.target_range;
  const [r, g, b] = signedColour(Math.max(-1, Math.min(1, (2 * (y - lo)) / (hi - lo || 1) - 1)));
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

function drawBoundary(state) {
  const canvas = $("boundary");
  const d = app.dataset;
  const flat = !!(d && !d.image_shape && !d.extent); // more than two columns: no plane
  $("no-picture").hidden = !flat;
  if (flat) canvas.hidden = true;
  if (!d || d.image_shape || flat || !state.pictures || !state.pictures.output) return drawLegend();
  canvas.hidden = false;
  const G = d.grid;
  const out = state.pictures.output;
  const discrete = $("discretize").checked && !d.regression;
  const cells = document.createElement("canvas");
  if (out.curve) {
    paint(cells, G, () => [255, 255, 255]); // 1-D: the curve ŷ(x₁) is drawn below
  } else if (out.value) {
    const q = bytes(out.value);
    paint(cells, G, (i) => signedColour(discrete ? (q[i] >= 128 ? 0.6 : -0.6) : q[i] / 127.5 - 1));
  } else {
    const cls = bytes(out.class), conf = bytes(out.confidence);
    const K = d.classes.length;
    paint(cells, G, (i) => {
      const p = discrete ? 1 : conf[i] / 255;
      return mix(CLASS_COLOURS[cls[i] % CLASS_COLOURS.length], Math.max(0, (p - 1 / K) / (1 - 1 / K)) * (discrete ? 0.6 : 0.8));
    });
  }
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = !discrete;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(cells, 0, 0, canvas.width, canvas.height);
  const [x0, x1, y0, y1] = d.extent;
  const toPx = (p) => [((p[0] - x0) / (x1 - x0)) * canvas.width, ((y1 - p[1]) / (y1 - y0)) * canvas.height];
  if (out.curve) {
    ctx.strokeStyle = "#222";
    ctx.lineWidth = 2;
    ctx.beginPath();
    out.curve.forEach((v, i) => {
      const [px, py] = toPx([x0 + ((x1 - x0) * i) / (G - 1), v]);
      if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    });
    ctx.stroke();
  }
  const drawSet = (set, test) => {
    for (let i = 0; i < set.X.length; i++) {
      const [px, py] = toPx(set.X[i]);
      ctx.beginPath();
      ctx.arc(px, py, 3, 0, 2 * Math.PI);
      ctx.fillStyle = targetColour(d, set.y[i]);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = test ? "#000" : "#fff";
      ctx.stroke();
    }
  };
  drawSet(d.train, false);
  if ($("show-test").checked) drawSet(d.test, true);
  const ring = (i, radius, width, colour) => {
    const [px, py] = toPx(d.train.X[i]);
    ctx.beginPath();
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
    ctx.lineWidth = width;
    ctx.strokeStyle = colour;
    ctx.stroke();
  };
  if (app.selection && app.batchShown) { // the mini-batch the open explanation is computed on
    for (const i of app.batchShown) if (d.train.X[i]) ring(i, 5.5, 1.5, "#000");
  }
  if (app.walk && d.train.X[app.walk.data.sample]) ring(app.walk.data.sample, 7, 2.5, "#c00");
  drawLegend();
}

function drawLegend() {
  // what the colours mean: the classes, or the output's scale
  const box = $("legend");
  const d = app.dataset;
  box.innerHTML = "";
  if (!d || d.image_shape || !d.extent) return;
  const add = (html) => box.insertAdjacentHTML("beforeend", html);
  const bar = `<span class="bar" style="background:linear-gradient(to right, ${CLASS_COLOURS[0]}, #fff, ${CLASS_COLOURS[1]})"></span>`;
  if (d.regression) {
    const [lo, hi] = d.target_range;
    add(`<span>ŷ, y: ${fmt(lo, 3)}</span>${bar}<span>${fmt(hi, 3)}</span>`);
  } else if (d.classes.length === 2 && app.state && app.state.sizes[app.state.sizes.length - 1] === 1) {
    add(`<span>class ${escapeHtml(d.classes[0])} · a = 0</span>${bar}<span>a = 1 · class ${escapeHtml(d.classes[1])}</span>`);
  } else {
    d.classes.forEach((c, k) => add(`<span><span class="swatch" style="background:${CLASS_COLOURS[k % CLASS_COLOURS.length]}"></span>${escapeHtml(c)}</span>`));
    add("<span>(paler: less sure)</span>");
  }
}

function escapeHtml(text) {
  const span = document.createElement("span");
  span.textContent = String(text);
  return span.innerHTML;
}

function drawGallery(state) {
  const box = $("gallery");
  const d = app.dataset;
  const image = !!(d && d.image_shape);
  box.hidden = !image;
  if (image) $("boundary").hidden = true;
  if (!image || !state.pictures) return;
  const [h, w] = d.image_shape;
  if (box.children.length !== d.gallery.X.length) {
    box.innerHTML = "";
    d.gallery.X.forEach((x) => {
      const fig = document.createElement("figure");
      const c = document.createElement("canvas");
      c.width = w;
      c.height = h;
      const ctx = c.getContext("2d");
      const img = ctx.createImageData(w, h);
      x.forEach((v, i) => img.data.set([255 - 255 * v, 255 - 255 * v, 255 - 255 * v, 255], 4 * i));
      ctx.putImageData(img, 0, 0);
      fig.appendChild(c);
      fig.appendChild(document.createElement("figcaption"));
      box.appendChild(fig);
    });
  }
  state.pictures.gallery_predictions.forEach((guess, i) => {
    const fig = box.children[i];
    const truth = d.gallery.y[i];
    fig.className = guess === truth ? "right" : "wrong";
    fig.lastChild.textContent = `${d.classes[guess]}${guess === truth ? "" : ` (is ${d.classes[truth]})`}`;
  });
}

function drawLoss(history) {
  // the loss curves with their axes: loss up (0 to the largest), epochs across
  const canvas = $("loss");
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  const left = 34, bottom = 16, top = 14, right = 6;
  ctx.clearRect(0, 0, W, H);
  if (!history.length) return;
  const finite = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  let most = 1e-9;
  for (const [, a, b] of history) most = Math.max(most, finite(a) || 0, finite(b) || 0);
  const last = Math.max(history[history.length - 1][0], 1e-9);
  const X = (e) => left + (e / last) * (W - left - right);
  const Y = (v) => H - bottom - (v / most) * (H - bottom - top);
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, top - 4); ctx.lineTo(left, H - bottom); ctx.lineTo(W - right, H - bottom);
  ctx.stroke();
  ctx.fillStyle = "#555";
  ctx.font = "10px sans-serif";
  ctx.textAlign = "right";
  ctx.fillText(fmt(most, 2), left - 3, Y(most) + 4);
  ctx.fillText(fmt(most / 2, 2), left - 3, Y(most / 2) + 4);
  ctx.fillText("0", left - 3, H - bottom + 3);
  ctx.textAlign = "left";
  ctx.fillText("0", left, H - 4);
  ctx.textAlign = "right";
  ctx.fillText(`epoch ${history[history.length - 1][0] > 0 ? fmt(last, 3) : 0}`, W - right, H - 4);
  ctx.textAlign = "left";
  for (const [col, colour] of [[1, "#555"], [2, CLASS_COLOURS[1]]]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    history.forEach((p, i) => {
      const v = finite(p[col]);
      if (v === null) return;
      if (i === 0) ctx.moveTo(X(p[0]), Y(v));
      else ctx.lineTo(X(p[0]), Y(v));
    });
    ctx.stroke();
  }
  ctx.fillStyle = "#555";
  ctx.fillText("loss  — train", left + 4, 10);
  ctx.fillStyle = CLASS_COLOURS[1];
  ctx.fillText("— test", left + 72, 10);
}

function setNumber(id, value) {
  const node = $(id);
  node.textContent = fmt(value);
  node.dataset.value = value === undefined ? "" : String(value);
}

function drawRate(state) {
  // mini-batches a second, measured over the last second or so of snapshots
  const now = performance.now(), r = app.rate;
  if (!state.playing) r.value = 0;
  else if (now - r.time > 900) {
    if (r.time && state.steps >= r.steps) r.value = ((state.steps - r.steps) * 1000) / (now - r.time);
    r.steps = state.steps;
    r.time = now;
  }
  if (!state.playing) r.time = 0;
  $("rate").textContent = r.value >= 10 ? String(Math.round(r.value)) : fmt(r.value, 2);
}

function drawState(state) {
  drawRate(state);
  $("epoch").textContent = state.epoch.toFixed(2);
  $("steps").textContent = String(state.steps);
  $("play").textContent = app.playing ? "❚❚ Pause" : "▶ Play";
  $("play").classList.toggle("playing", app.playing);
  setNumber("train-loss", state.scores.train_loss);
  setNumber("test-loss", state.scores.test_loss);
  setNumber("train-acc", state.scores.train_accuracy);
  setNumber("test-acc", state.scores.test_accuracy);
  drawBoundary(state);
  drawGallery(state);
  drawNetwork(state);
  drawLoss(state.history);
  if (state.explanation) showExplanation(state.explanation);
  if (app.walk) showWalkLabels();
}

// -- explanations ----------------------------------------------------------------------------

function select(selection) {
  app.selection = selection;
  app.reveal = !!selection; // its explanation comes into view when it arrives
  send(selection ? { type: "select", ...selection } : { type: "select", kind: null });
  if (!selection) {
    showExplanation(null);
    app.batchShown = null;
    if (app.state) drawBoundary(app.state);
  }
  if (app.state) drawNetwork(app.state);
}

function showExplanation(e) {
  $("explain-body").hidden = !e;
  $("explain-empty").hidden = !!e;
  if (!e) return;
  const same = app.selection && app.selection.kind === e.kind && app.selection.l === e.l &&
    app.selection.j === e.j && (app.selection.k || 0) === e.k;
  if (!same) $("explain-latex-box").open = false; // a new one: fetch its LaTeX when asked
  app.selection = { kind: e.kind, l: e.l, j: e.j, k: e.k };
  const name = e.kind === "weight" ? `w^(${e.l})_{${e.j},${e.k}}` : e.kind === "bias" ? `b^(${e.l})_${e.j}` : `neuron ${e.j} of layer ${e.l}`;
  $("explain-title").textContent = name;
  $("explain-param").textContent = e.parameter === undefined ? "–" : fmt(e.parameter, 6);
  $("explain-what").textContent = e.kind === "neuron"
    ? "its activation a for the batch's first sample:"
    : "its gradient ∂C/∂" + (e.kind === "weight" ? "w" : "b") + " on the current mini-batch:";
  const value = $("explain-value");
  value.textContent = fmt(e.value, 6);
  value.dataset.value = String(e.value);
  $("explain-text").textContent = e.text;
  showMath(e);
  showBatch(e);
  if (app.reveal) {
    app.reveal = false;
    const box = $("explain-panel").getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 120) {
      $("explain-panel").scrollIntoView({ block: "start", behavior: "instant" });
    }
  }
  $("explain-source").textContent = e.source === "glassnet.explain" ? "(glassnet.explain)" : "(from the trace)";
  $("edit-row").hidden = false;
  $("edit-value").disabled = $("edit-apply").disabled = e.kind === "neuron";
  $("explain-bias").hidden = e.kind !== "neuron" || e.l === 0;
  if (document.activeElement !== $("edit-value") && e.parameter !== undefined) {
    $("edit-value").value = e.parameter;
  }
}

function showMath(e) {
  // the chain rule as typeset mathematics (KaTeX, served by the Playground itself); the text
  // form stays below it, and the LaTeX source is under "LaTeX (copyable)"
  const box = $("explain-math");
  const missing = typeof katex === "undefined";
  $("katex-missing").hidden = !missing || !e.latex;
  if (missing || !e.latex) {
    box.innerHTML = "";
    box.dataset.rendered = "";
    return;
  }
  if (box.dataset.latex === e.latex) return; // unchanged: keep the rendered formula
  katex.render(e.latex, box, { displayMode: true, throwOnError: false, output: "htmlAndMathml" });
  box.dataset.latex = e.latex;
  box.dataset.rendered = "katex";
  if ($("explain-latex-box").open) $("explain-latex").textContent = e.latex;
}

function showBatch(e) {
  // the mini-batch the number was computed on, so that a learner can redo it
  const box = $("explain-batch");
  const rows = e.batch || [];
  const before = (app.batchShown || []).join(",");
  app.batchShown = rows;
  if (before !== rows.join(",") && app.state) drawBoundary(app.state); // ring them
  if (!rows.length || e.kind === "neuron" && e.l === 0) {
    box.textContent = "";
    return;
  }
  const d = app.dataset;
  const shown = rows.slice(0, 12).map((i) => {
    if (!d || !d.train || !d.train.X[i]) return `#${i}`;
    const x = d.train.X[i], y = d.train.y[i];
    const label = d.regression ? fmt(y) : d.classes[y];
    return d.coordinates === 1 ? `#${i} (x₁ ${fmt(x[0], 3)}, y ${label})` : `#${i} (${fmt(x[0], 3)}, ${fmt(x[1], 3)}; ${label})`;
  });
  const more = rows.length > 12 ? ` and ${rows.length - 12} more` : "";
  const which = e.kind === "neuron" ? "its first sample" : `these ${rows.length} samples`;
  box.textContent = `Mini-batch (training rows, ringed on the output): ${shown.join(", ")}${more}; ` +
    `the number above is computed on ${which}.`;
  box.dataset.rows = rows.join(",");
}

// -- one sample, step by step ----------------------------------------------------------------

function vec(v) {
  return "[" + v.map((x) => fmt(x)).join(", ") + "]";
}

function walkPhases(d) {
  const L = d.a.length - 1;
  const act = app.state ? app.state.activations : [];
  const phases = [{ l: 0, what: "a", text: `sample ${d.sample}: a^(0) = x = ${vec(d.x)}\ntarget y = ${vec(d.y)}` }];
  for (let l = 1; l <= L; l++) {
    phases.push({ l, what: "a", text:
      `forward, layer ${l}:\n  z^(${l}) = W^(${l}) a^(${l - 1}) + b^(${l}) = ${vec(d.z[l])}\n` +
      `  a^(${l}) = ${act[l - 1] || "σ"}(z^(${l})) = ${vec(d.a[l])}` });
  }
  phases.push({ l: L, what: "a", text:
    `cost C = ${fmt(d.cost, 6)} for output a^(${L}) = ${vec(d.a[L])} and y = ${vec(d.y)}\n` +
    `  ∂C/∂a^(${L}) = ${vec(d.dC_da)}` });
  for (let l = L; l >= 1; l--) {
    const rule = l === L ? `δ^(${L}) = ∂C/∂a^(${L}) ⊙ σ'(z^(${L}))` : `δ^(${l}) = (W^(${l + 1})ᵀ δ^(${l + 1})) ⊙ σ'(z^(${l}))`;
    phases.push({ l, what: "delta", text:
      `backward, layer ${l}:\n  ${rule} = ${vec(d.delta[l])}\n` +
      `  ∂C/∂b^(${l}) = δ^(${l}) = ${vec(d.db[l])}\n  ∂C/∂W^(${l}) = δ^(${l}) a^(${l - 1})ᵀ (${d.dW[l].length}×${d.dW[l][0].length} numbers)` });
  }
  let update = `update with η = ${d.lr}:  w ← w − η ∂C/∂w,  b ← b − η ∂C/∂b\n`;
  for (let l = 1; l <= L; l++) {
    const W = d.W[l], Wn = d.W_new[l];
    update += `  layer ${l}: w^(${l})_00 ${fmt(W[0][0], 6)} → ${fmt(Wn[0][0], 6)};  b^(${l}) ${vec(d.b[l])} → ${vec(d.b_new[l])}\n`;
  }
  phases.push({ l: -1, what: "update", text: update + "(press \"apply the update\" to take this step)" });
  return phases;
}

function showWalk() {
  const w = app.walk;
  const phases = walkPhases(w.data);
  w.phase = Math.max(0, Math.min(w.phase, phases.length - 1));
  const p = phases[w.phase];
  $("walk-text").textContent = `step ${w.phase + 1} of ${phases.length}\n` + p.text;
  $("walk-prev").disabled = w.phase === 0;
  $("walk-next").disabled = w.phase === phases.length - 1;
  $("walk-apply").disabled = w.phase !== phases.length - 1;
  $("walk-stop").disabled = false;
  document.body.dataset.walkPhase = String(w.phase);
  showWalkLabels();
  if (app.state) drawBoundary(app.state);
}

function showWalkLabels() {
  const svg = $("net");
  for (const t of svg.querySelectorAll("text.value")) t.textContent = "";
  for (const n of svg.querySelectorAll(".neuron.active")) n.classList.remove("active");
  const w = app.walk;
  if (!w) return;
  const d = w.data;
  const phases = walkPhases(d);
  const p = phases[w.phase];
  const L = d.a.length - 1;
  const last = p.what === "delta" ? L : p.what === "update" ? L : p.l;
  // values on every layer reached so far (forward), or the deltas down to this layer (backward)
  for (let l = 0; l <= L; l++) {
    let values = null;
    if (p.what === "a" && l <= last) values = d.a[l];
    if (p.what === "delta" && l >= p.l && l >= 1) values = d.delta[l];
    if (!values || values.length > 16) continue;
    values.forEach((v, j) => {
      const g = document.getElementById(`n-${l}-${j}`);
      if (!g) return;
      g.querySelector("text.value").textContent = fmt(v, 3);
      if (l === p.l) g.classList.add("active");
    });
  }
}

function stopWalk() {
  app.walk = null;
  for (const id of ["walk-prev", "walk-next", "walk-apply", "walk-stop"]) $(id).disabled = true;
  document.body.dataset.walkPhase = "";
  showWalkLabels();
  if (app.state) drawBoundary(app.state);
}

// -- the optimizer lab -----------------------------------------------------------------------
// The server runs glassnet.lab.race; the page only draws what comes back and animates it.

const LAB_COLOURS = { sgd: "#d62728", momentum: "#1f77b4", nesterov: "#9467bd", adagrad: "#8c564b",
  rmsprop: "#2ca02c", adam: "#ff7f0e", adamw: "#e377c2" };

Object.assign(app, {
  view: "net",
  labOptions: null,
  lab: null, // {surface, optimizers, lr: {name: η}, start: [x, y], steps, grid}
  labResult: null, // the last "lab" message
  labBackground: null, // the contour plot without trajectories, drawn once per result
  labFrame: 0,
  labTimer: null,
  labPending: 0, // lab requests sent and not yet answered
});

function labDefaults(surface) {
  const o = app.labOptions;
  const s = o.surfaces[surface];
  return { surface, optimizers: [...o.defaults.optimizers], lr: { ...s.suggested_lr },
    start: [...s.start], steps: o.defaults.steps, grid: o.defaults.grid };
}

function labFromHash() {
  // the lab's settings in the address: view=lab&lab_surface=…&lab_opt=sgd,adam&lab_lr=sgd:0.02,…
  const params = new URLSearchParams(location.hash.slice(1));
  const o = app.labOptions;
  const surface = params.get("lab_surface");
  const lab = labDefaults(surface && o.surfaces[surface] ? surface : o.defaults.surface);
  if (params.has("lab_opt")) lab.optimizers = params.get("lab_opt").split(",").filter((n) => n);
  if (params.has("lab_lr")) {
    for (const pair of params.get("lab_lr").split(",")) {
      const [name, value] = pair.split(":");
      if (name) lab.lr[name] = Number(value);
    }
  }
  if (params.has("lab_start")) lab.start = params.get("lab_start").split(",").map(Number);
  if (params.has("lab_steps")) lab.steps = Number(params.get("lab_steps"));
  return { view: params.get("view") === "lab" ? "lab" : "net", lab };
}

function labHash() {
  if (!app.lab) return "";
  const l = app.lab;
  const params = new URLSearchParams();
  if (app.view === "lab") params.set("view", "lab");
  params.set("lab_surface", l.surface);
  params.set("lab_opt", l.optimizers.join(","));
  params.set("lab_lr", l.optimizers.map((n) => `${n}:${l.lr[n]}`).join(","));
  params.set("lab_start", l.start.join(","));
  params.set("lab_steps", String(l.steps));
  return "&" + params.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
}

function labRequest() {
  const l = app.lab;
  const lr = {};
  for (const n of l.optimizers) lr[n] = l.lr[n];
  return { surface: l.surface, optimizers: l.optimizers, lr, start: l.start, steps: l.steps, grid: l.grid };
}

function setupLab(options) {
  app.labOptions = options;
  fillSelect($("lab-surface"), Object.keys(options.surfaces));
  const body = $("lab-optimizers").querySelector("tbody");
  body.innerHTML = "";
  for (const name of options.optimizers) {
    const row = document.createElement("tr");
    row.innerHTML = `<td><label><span><input type="checkbox" data-opt="${name}">` +
      `<span class="swatch" style="background:${LAB_COLOURS[name] || "#000"}"></span>${name}</span></label></td>` +
      `<td><input type="number" class="lab-lr" data-opt="${name}" min="${options.limits.lr[0]}" ` +
      `max="${options.limits.lr[1]}" step="any"></td>`;
    body.appendChild(row);
  }
  for (const input of $("lab-panel").querySelectorAll(".lab-controls input")) {
    input.addEventListener("change", () => { readLabControls(); labChanged(); });
  }
  $("lab-steps").max = options.limits.steps[1];
  const wanted = labFromHash();
  app.lab = wanted.lab;
  showLabControls();
  showView(wanted.view);
}

function showLabControls() {
  const l = app.lab;
  const s = app.labOptions.surfaces[l.surface];
  $("lab-surface").value = l.surface;
  $("lab-formula").textContent = `f(x, y) = ${s.formula}`;
  for (const box of document.querySelectorAll("#lab-optimizers input[type=checkbox]")) {
    box.checked = l.optimizers.includes(box.dataset.opt);
  }
  for (const input of document.querySelectorAll("#lab-optimizers .lab-lr")) {
    const eta = l.lr[input.dataset.opt];
    input.value = eta === undefined ? "" : eta;
  }
  $("lab-steps").value = l.steps;
  $("lab-x").value = l.start[0];
  $("lab-y").value = l.start[1];
}

function readLabControls() {
  const l = app.lab;
  l.optimizers = [...document.querySelectorAll("#lab-optimizers input[type=checkbox]")]
    .filter((box) => box.checked).map((box) => box.dataset.opt);
  for (const input of document.querySelectorAll("#lab-optimizers .lab-lr")) {
    if (input.value !== "") l.lr[input.dataset.opt] = Number(input.value);
  }
  l.steps = Number($("lab-steps").value);
  l.start = [Number($("lab-x").value), Number($("lab-y").value)];
}

function labChanged() {
  if (app.config) writeHash(app.config);
  runLab();
}

function runLab() {
  if (!app.lab.optimizers.length) return showError("tick at least one optimizer to race");
  app.labPending++;
  document.body.dataset.labStatus = "running";
  send({ type: "lab", lab: labRequest() });
}

function showView(view) {
  app.view = view;
  document.body.dataset.view = view;
  $("view-net").classList.toggle("current", view === "net");
  $("view-lab").classList.toggle("current", view === "lab");
  if (app.config) writeHash(app.config);
  if (view === "lab" && !app.labResult) runLab();
}

function labFromHashChange() {
  if (!app.labOptions) return;
  const wanted = labFromHash();
  const before = JSON.stringify(labRequest());
  app.lab = wanted.lab;
  showLabControls();
  if (wanted.view !== app.view) showView(wanted.view);
  if (JSON.stringify(labRequest()) !== before && app.view === "lab") runLab();
}

function labScale(canvas, surface) {
  // surface coordinates → canvas pixels (y up), and back
  const [x0, x1] = surface.xlim, [y0, y1] = surface.ylim;
  const W = canvas.width, H = canvas.height;
  const clamp = (v) => Math.max(-1e4, Math.min(1e4, v));
  return {
    px: (p) => [clamp(((p[0] - x0) / (x1 - x0)) * W), clamp(((y1 - p[1]) / (y1 - y0)) * H)],
    xy: (px, py) => [x0 + (px / W) * (x1 - x0), y1 - (py / H) * (y1 - y0)],
  };
}

function contourBackground(result) {
  // the surface's values (from the server) as a shaded map with contour lines, drawn once
  const canvas = $("lab-contour");
  const g = result.grid;
  const n = g.xs.length, m = g.ys.length;
  const shade = (v) => {
    const t = Math.log10(1 + (v - g.low) / (g.levels[0] - g.low)) / Math.log10(1 + (g.high - g.low) / (g.levels[0] - g.low));
    return Math.max(0, Math.min(1, t));
  };
  const cells = document.createElement("canvas");
  cells.width = n;
  cells.height = m;
  const cctx = cells.getContext("2d");
  const img = cctx.createImageData(n, m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const t = shade(g.values[i][j]);
      // low: pale yellow-green, high: deep blue
      const rgb = [250 - 200 * t, 250 - 150 * t, 210 - 40 * t];
      img.data.set([...rgb, 255], 4 * ((m - 1 - i) * n + j));
    }
  }
  cctx.putImageData(img, 0, 0);
  const bg = document.createElement("canvas");
  bg.width = canvas.width;
  bg.height = canvas.height;
  const ctx = bg.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cells, 0, 0, bg.width, bg.height);
  // contour lines by marching squares: each cell edge crossed by a level gets a point
  const X = (j) => (j / (n - 1)) * bg.width, Y = (i) => bg.height - (i / (m - 1)) * bg.height;
  ctx.strokeStyle = "rgba(40, 40, 80, 0.45)";
  ctx.lineWidth = 1;
  for (const level of g.levels) {
    ctx.beginPath();
    for (let i = 0; i < m - 1; i++) {
      for (let j = 0; j < n - 1; j++) {
        const v = [g.values[i][j], g.values[i][j + 1], g.values[i + 1][j + 1], g.values[i + 1][j]];
        const c = [[j, i], [j + 1, i], [j + 1, i + 1], [j, i + 1]];
        const cross = [];
        for (let e = 0; e < 4; e++) {
          const a = v[e] - level, b = v[(e + 1) % 4] - level;
          if ((a < 0) !== (b < 0)) {
            const t = a / (a - b);
            const p = c[e], q = c[(e + 1) % 4];
            cross.push([X(p[0] + t * (q[0] - p[0])), Y(p[1] + t * (q[1] - p[1]))]);
          }
        }
        for (let k = 0; k + 1 < cross.length; k += 2) {
          ctx.moveTo(...cross[k]);
          ctx.lineTo(...cross[k + 1]);
        }
      }
    }
    ctx.stroke();
  }
  // the critical points: minima as rings, saddle points as crosses
  const scale = labScale(bg, result.surface);
  for (const c of result.surface.critical_points) {
    const [px, py] = scale.px([c.x, c.y]);
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (c.kind === "saddle point") {
      ctx.moveTo(px - 5, py - 5); ctx.lineTo(px + 5, py + 5);
      ctx.moveTo(px + 5, py - 5); ctx.lineTo(px - 5, py + 5);
    } else {
      ctx.arc(px, py, 5, 0, 2 * Math.PI);
    }
    ctx.stroke();
    ctx.fillStyle = "#000";
    ctx.font = "11px sans-serif";
    ctx.fillText(c.kind.replace(" minimum", " min"), px + 7, py - 6);
  }
  return bg;
}

function labTotal() {
  const r = app.labResult;
  return r ? Math.max(...r.trajectories.map((t) => t.points.length - 1)) : 0;
}

function drawLab() {
  const r = app.labResult;
  const canvas = $("lab-contour");
  const ctx = canvas.getContext("2d");
  if (!r) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(app.labBackground, 0, 0);
  const scale = labScale(canvas, r.surface);
  const frame = app.labFrame;
  let drawn = 0;
  r.trajectories.forEach((t, index) => {
    const last = Math.min(frame, t.points.length - 1);
    const colour = LAB_COLOURS[t.optimizer] || "#000";
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let segments = 0, started = false, end = null;
    for (let i = 0; i <= last; i++) {
      const p = t.points[i];
      if (!p || p[0] === null || p[1] === null) break; // a diverged run's last point
      const [px, py] = scale.px(p);
      if (!started) { ctx.moveTo(px, py); started = true; } else { ctx.lineTo(px, py); segments++; }
      end = [px, py];
    }
    ctx.stroke();
    if (segments > 0) drawn++;
    if (end) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      ctx.arc(end[0], end[1], 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    const now = document.querySelector(`#lab-verdicts li[data-index="${index}"] .now`);
    if (now) {
      const f = t.values[last];
      const p = t.points[last];
      now.textContent = p && p[0] !== null
        ? `step ${last}: (${fmt(p[0])}, ${fmt(p[1])}), f = ${fmt(f)}` : `step ${last}: blew up`;
    }
  });
  // the common start
  const [sx, sy] = scale.px(r.request.start);
  ctx.fillStyle = "#fff";
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 1.5;
  ctx.fillRect(sx - 4, sy - 4, 8, 8);
  ctx.strokeRect(sx - 4, sy - 4, 8, 8);
  $("lab-frame").textContent = String(frame);
  $("lab-total").textContent = String(labTotal());
  document.body.dataset.labFrame = String(frame);
  document.body.dataset.labDrawn = String(drawn);
  $("lab-play").textContent = app.labTimer ? "❚❚ Pause" : "▶ Play";
  $("lab-play").classList.toggle("playing", !!app.labTimer);
}

function labPause() {
  if (app.labTimer) clearInterval(app.labTimer);
  app.labTimer = null;
}

function labPlay() {
  labPause();
  const total = labTotal();
  if (app.labFrame >= total) app.labFrame = 0;
  const stride = Math.max(1, Math.round(total / 150)); // a whole race in about 6 seconds
  app.labTimer = setInterval(() => {
    app.labFrame = Math.min(total, app.labFrame + stride);
    if (app.labFrame >= total) labPause();
    drawLab();
  }, 40);
  drawLab();
}

function labMove(frame) {
  labPause();
  app.labFrame = Math.max(0, Math.min(labTotal(), frame));
  drawLab();
}

function showVerdicts(result) {
  const list = $("lab-verdicts");
  list.innerHTML = "";
  result.trajectories.forEach((t, index) => {
    const li = document.createElement("li");
    li.dataset.index = String(index);
    li.dataset.kind = t.verdict.kind;
    li.innerHTML = `<span class="swatch" style="background:${LAB_COLOURS[t.optimizer] || "#000"}"></span>` +
      `<span class="kind"></span><br><span class="message"></span><br><span class="now"></span>`;
    li.querySelector(".kind").textContent = `${t.label}: ${t.verdict.kind}`;
    li.querySelector(".message").textContent = t.verdict.message;
    list.appendChild(li);
  });
}

function drawLandscape(msg) {
  const canvas = $("landscape");
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const pts = msg.alphas.map((a, i) => [a, msg.costs[i]]).filter((p) => p[1] !== null);
  document.body.dataset.landPoints = String(pts.length);
  if (!pts.length) return;
  const lo = Math.min(...pts.map((p) => p[1])), hi = Math.max(...pts.map((p) => p[1]));
  const a0 = msg.alphas[0], a1 = msg.alphas[msg.alphas.length - 1];
  const px = (a) => 30 + ((a - a0) / (a1 - a0)) * (W - 40);
  const py = (c) => H - 20 - ((c - lo) / Math.max(hi - lo, 1e-12)) * (H - 36);
  ctx.strokeStyle = "#ccc";
  ctx.beginPath();
  ctx.moveTo(px(0), 8); ctx.lineTo(px(0), H - 20);
  ctx.moveTo(30, H - 20); ctx.lineTo(W - 10, H - 20);
  ctx.stroke();
  ctx.strokeStyle = CLASS_COLOURS[1];
  ctx.lineWidth = 2;
  ctx.beginPath();
  pts.forEach(([a, c], i) => (i ? ctx.lineTo(px(a), py(c)) : ctx.moveTo(px(a), py(c))));
  ctx.stroke();
  if (msg.cost !== null) {
    ctx.fillStyle = "#c00";
    ctx.beginPath();
    ctx.arc(px(0), py(msg.cost), 4, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = "#555";
  ctx.font = "10px sans-serif";
  ctx.fillText(`C max ${fmt(hi, 3)}`, 32, 12);
  ctx.fillText(`min ${fmt(lo, 3)}`, 32, H - 24);
  ctx.fillText(`α = ${fmt(a0)}`, 24, H - 6);
  ctx.fillText("0", px(0) - 3, H - 6);
  ctx.fillText(`${fmt(a1)}`, W - 24, H - 6);
  $("land-text").textContent = `network ${JSON.stringify(msg.sizes)} (${msg.n_params} parameters) after ` +
    `${msg.steps} steps; the red dot is the current weights, C = ${fmt(msg.cost, 5)} on the training data.`;
}

Object.assign(HANDLERS, {
  lab(msg) {
    labPause();
    app.labResult = msg;
    // what the server ran (η filled in from the surface's suggestions)
    Object.assign(app.lab.lr, msg.request.lr);
    app.lab.start = msg.request.start;
    showLabControls();
    app.labBackground = contourBackground(msg);
    showVerdicts(msg);
    document.body.dataset.labSurface = msg.request.surface;
    document.body.dataset.labTrajectories = String(msg.trajectories.length);
    // answers come in the order asked: "done" only once the latest request is answered
    app.labPending = Math.max(0, app.labPending - 1);
    document.body.dataset.labStatus = app.labPending ? "running" : "done";
    app.labFrame = 0;
    showError("");
    labPlay();
  },
  landscape(msg) {
    drawLandscape(msg);
  },
});

function wireLab() {
  $("view-net").onclick = () => showView("net");
  $("view-lab").onclick = () => showView("lab");
  $("lab-surface").onchange = () => {
    app.lab = { ...labDefaults($("lab-surface").value), optimizers: app.lab.optimizers,
      steps: app.lab.steps };
    showLabControls();
    labChanged();
  };
  $("lab-suggested").onclick = () => {
    app.lab.lr = { ...app.labOptions.surfaces[app.lab.surface].suggested_lr };
    showLabControls();
    labChanged();
  };
  $("lab-run").onclick = () => { readLabControls(); labChanged(); };
  $("lab-play").onclick = () => (app.labTimer ? labPause() : labPlay());
  $("lab-step").onclick = () => labMove(app.labFrame + 1);
  $("lab-end").onclick = () => labMove(labTotal());
  $("lab-rewind").onclick = () => labMove(0);
  $("lab-contour").addEventListener("click", (event) => {
    if (!app.labResult) return;
    const canvas = $("lab-contour");
    const box = canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * canvas.width;
    const py = ((event.clientY - box.top) / box.height) * canvas.height;
    const [x, y] = labScale(canvas, app.labResult.surface).xy(px, py);
    app.lab.start = [Number(x.toFixed(3)), Number(y.toFixed(3))];
    showLabControls();
    labChanged();
  });
  $("land-run").onclick = () => send({ type: "landscape", seed: Number($("land-seed").value) });
}

forgetToken();
wireControls();
wireLab();
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") send({ type: "alive" });
});
connect();
