/*
 * The live parts' shared loader: the runtime, the networks and the page's API.
 *
 * Every page with a live part (an element `<div data-live-app="KIND">`, a raw
 * HTML block in its chapter) gets this script, the shared widgets
 * (widgets.js) and one script per live part it holds (tools/sphinxext.py,
 * LIVE_PARTS, adds them to those pages only). Each part's script registers
 * itself:
 *
 *     LabLive.register("own-digit", { needs: "networks", start(root, app) {...} });
 *
 * and this loader, once the page has loaded, gives each part what it needs and
 * then starts it:
 *
 *   needs "manifest"  app = {manifest}: models/web/manifest.json, written by
 *                     labsupport.webexport.publish (test digits, settings,
 *                     each network's architecture and files);
 *   needs "runtime"   app = {manifest, tf, runtime, backend}: TensorFlow.js,
 *                     the scripts listed in _static/vendor/runtime.json (the
 *                     pinned npm packages the build copied);
 *   needs "networks"  the above and app.models: every exported network, loaded.
 *
 * Each is loaded once per page, whatever the number of parts. Everything runs
 * here: no image leaves the reader's machine, and no request goes anywhere but
 * the site itself. `window.LabLive` is the page's API (the site tests and the
 * benchmarks use it): `ready`, `apps[kind]`, `firstResultAt`, `load`, `util`
 * and `widgets` (from widgets.js).
 */
(function () {
  "use strict";

  const HERE = new URL(".", document.currentScript.src); // .../_static/live/
  const STATIC = new URL("../", HERE); // .../_static/
  const MODELS = new URL("../../models/web/", HERE); // .../models/web/
  const RUNTIME_JSON = new URL("vendor/runtime.json", STATIC);
  const MANIFEST_JSON = new URL("manifest.json", MODELS);

  // ------------------------------------------------------------------ helpers

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  async function fetchJson(url, what) {
    let response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`could not load ${what} (${error.message})`);
    }
    if (!response.ok) throw new Error(`could not load ${what} (HTTP ${response.status} for ${url.pathname})`);
    return response.json();
  }

  function addScript(src) {
    return new Promise((resolve, reject) => {
      const script = el("script", { src: String(src) });
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(script);
    });
  }

  /** Progress over the runtime's scripts and the networks' files, by bytes. */
  class Progress {
    constructor(onChange) {
      this.parts = new Map();
      this.onChange = onChange;
    }
    expect(key, bytes) {
      this.parts.set(key, { bytes, done: 0 });
    }
    update(key, fraction) {
      if (this.finished) return; // a late report after success or failure changes nothing
      const part = this.parts.get(key);
      if (part) part.done = Math.min(1, fraction) * part.bytes;
      const total = [...this.parts.values()].reduce((s, p) => s + p.bytes, 0);
      const done = [...this.parts.values()].reduce((s, p) => s + p.done, 0);
      this.onChange(total ? done / total : 0, total);
    }
  }

  /** fetch() for one network's files: a clear error for a missing file or one of the wrong size. */
  function checkedFetch(entry) {
    return async (url, init) => {
      const response = await fetch(url, init);
      const name = new URL(String(url.url || url), location.href).pathname.split("/").pop();
      if (!response.ok) throw new Error(`the ${entry.title} could not be loaded (HTTP ${response.status} for ${name})`);
      const listed = entry.files.find((f) => String(url.url || url).endsWith(f.path));
      const body = await response.clone().arrayBuffer();
      if (listed && body.byteLength !== listed.bytes) {
        throw new Error(`the ${entry.title} could not be loaded (${name} has ${body.byteLength} bytes, the manifest says ${listed.bytes})`);
      }
      return response;
    };
  }

  let manifestLoading = null;
  let runtimeLoading = null;
  let networksLoading = null;

  /** The networks' manifest (small JSON), once per page. */
  function loadManifest() {
    manifestLoading = manifestLoading || fetchJson(MANIFEST_JSON, "the networks' manifest");
    return manifestLoading;
  }

  /** The backend the page computes with (TensorFlow.js's CPU backend: exact float32, the same on every machine). */
  async function chooseBackend(tf) {
    await tf.setBackend("cpu");
    await tf.ready();
    return tf.getBackend();
  }

  /** TensorFlow.js, once per page: resolves to {tf, runtime, backend}. */
  function loadRuntime(progress) {
    if (runtimeLoading) return runtimeLoading;
    runtimeLoading = (async () => {
      const runtime = await fetchJson(RUNTIME_JSON, "the runtime list (this build has no JavaScript runtime: see the README)");
      for (const script of runtime.scripts) progress.expect(script.src, script.bytes);
      for (const script of runtime.scripts) {
        if (script.package === "@tensorflow/tfjs-core" && window.tf) continue;
        await addScript(new URL(script.src, STATIC));
        progress.update(script.src, 1);
      }
      const tf = window.tf;
      const backend = await chooseBackend(tf);
      return { tf, runtime, backend };
    })();
    return runtimeLoading;
  }

  /** Every exported network, once per page: resolves to {name: tf.LayersModel}. */
  function loadNetworks(tf, manifest, progress) {
    if (networksLoading) return networksLoading;
    networksLoading = (async () => {
      if (!manifest.models.length) throw new Error("this build exported no networks (its model cache was empty)");
      for (const entry of manifest.models) {
        progress.expect(entry.name, entry.files.reduce((s, f) => s + f.bytes, 0));
      }
      const models = {};
      await Promise.all(
        manifest.models.map(async (entry) => {
          const json = entry.files.find((f) => f.path.endsWith(".json"));
          models[entry.name] = await tf.loadLayersModel(new URL(json.path, MODELS).href, {
            onProgress: (fraction) => progress.update(entry.name, fraction),
            fetchFunc: checkedFetch(entry),
          });
          progress.update(entry.name, 1);
        })
      );
      return models;
    })();
    return networksLoading;
  }

  /**
   * What a live part needs ("manifest", "runtime" or "networks"), loaded once per page.
   * ``onProgress(fraction, bytes)`` hears how far the runtime's scripts and the networks' files are.
   */
  async function load(needs = "networks", onProgress = () => {}) {
    const progress = new Progress(onProgress);
    try {
      const manifest = await loadManifest();
      if (needs === "manifest") return { manifest };
      const { tf, runtime, backend } = await loadRuntime(progress);
      if (needs === "runtime") return { manifest, tf, runtime, backend };
      const models = await loadNetworks(tf, manifest, progress);
      return { manifest, tf, runtime, backend, models };
    } finally {
      progress.finished = true;
    }
  }

  // --------------------------------------------------------------- inference

  /** Pixels (uint8, 28x28 per digit) in a model's input format (labsupport.data.INPUT_FORMATS). */
  function modelInputs(tf, digits, count, format) {
    const values = new Float32Array(count * 784);
    for (let i = 0; i < values.length; i++) {
      values[i] = format === "dense" ? digits[i] / 255 : (2 * digits[i]) / 255 - 1;
    }
    return format === "dense" ? tf.tensor2d(values, [count, 784]) : tf.tensor4d(values, [count, 28, 28, 1]);
  }

  /** Class probabilities of one network for `count` digits: an array of Float32Array(10). */
  function predict(app, name, digits, count = 1) {
    const { tf, manifest, models } = app;
    const entry = manifest.models.find((m) => m.name === name);
    const flat = tf.tidy(() => models[name].predict(modelInputs(tf, digits, count, entry.inputs)).dataSync());
    return Array.from({ length: count }, (_, i) => flat.slice(i * 10, i * 10 + 10));
  }

  // ----------------------------------------------------------- status panel

  function statusPanel() {
    const bar = el("progress", { max: 1, value: 0, "aria-label": "loading the networks" });
    const text = el("span", { text: "Loading the networks ..." });
    const panel = el("div", { className: "live-status", role: "status", "aria-live": "polite" }, bar, " ", text);
    return {
      panel,
      progress(fraction, bytes) {
        bar.value = fraction;
        text.textContent = `Loading TensorFlow.js and the networks: ${Math.round(fraction * 100)}% of ${(bytes / 1e6).toFixed(1)} MB`;
      },
      ready(app) {
        bar.hidden = true;
        const profile = app.manifest.models[0] ? app.manifest.models[0].profile : "?";
        if (!app.runtime) {
          text.textContent = `Ready: this part runs in your browser, with the build's data (${profile} profile).`;
          return;
        }
        const versions = app.runtime.scripts.map((s) => `${s.package.replace("@tensorflow/", "")} ${s.version}`).join(", ");
        const what = app.models ? `the networks this build trained (${profile} profile) run` : "TensorFlow.js runs";
        text.textContent = `Ready: ${what} in your browser (TensorFlow.js ${versions}; backend: ${app.backend}).`;
      },
      failed(error) {
        bar.hidden = true;
        panel.classList.add("live-error");
        text.textContent = `The live part could not start: ${error.message}. The static figures below show what the build computed.`;
      },
    };
  }


  // -------------------------------------------------------------- start-up

  /** The live parts of this page's scripts: kind -> {needs, start(root, app)}. */
  const parts = {};

  const api = {
    /** Resolves when every live part of the page has started (or failed, saying so in the page). */
    ready: null,
    /** performance.now() when a live part first showed a result (the benchmark's "first result"). */
    firstResultAt: null,
    /** Each started part's own API, by kind (the site tests use them). */
    apps: {},
    load,
    util: { el, fetchJson, modelInputs, predict, statusPanel, STATIC, MODELS, HERE },
    /** A live part's script calls this once: ``needs`` is "manifest", "runtime" or "networks". */
    register(kind, part) {
      parts[kind] = part;
    },
    /** A part calls this when it shows its first result. */
    firstResult() {
      if (api.firstResultAt === null) api.firstResultAt = performance.now();
    },
    /** Probabilities of a network for n digits (flat array of n*784 uint8): n arrays of 10 numbers. */
    async predict(name, digits, count) {
      const app = await load("networks");
      return predict(app, name, Uint8Array.from(digits), count).map((p) => Array.from(p));
    },
  };
  window.LabLive = api;

  async function start(root) {
    const kind = root.dataset.liveApp;
    root.classList.add("live-app-running");
    const status = statusPanel();
    root.append(status.panel);
    try {
      const part = parts[kind];
      if (!part) throw new Error(`unknown live part "${kind}"`);
      const app = await load(part.needs, (fraction, bytes) => status.progress(fraction, bytes));
      api.apps[kind] = await part.start(root, app, status);
      status.ready(app);
    } catch (error) {
      status.failed(error);
      throw error;
    }
  }

  function startAll() {
    const roots = [...document.querySelectorAll("[data-live-app]")];
    api.ready = Promise.all(roots.map((root) => start(root).catch((error) => {
      console.warn(`live part ${root.dataset.liveApp}: ${error.message}`);
      return null;
    })));
  }

  // the parts' scripts (deferred, after this one) register before DOMContentLoaded
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else setTimeout(startAll);
})();
