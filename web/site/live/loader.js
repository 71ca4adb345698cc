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
 * A part may also give `early(root)`: work that needs none of the runtime
 * (fetching and preparing its first input), run while the runtime and the
 * networks load; start() then finds its result (or its error) in `app.early`.
 * and this loader, once the page has loaded, gives each part what it needs and
 * then starts it:
 *
 *   needs "manifest"  app = {manifest}: models/web/manifest.json, written by
 *                     labsupport.webexport.publish (test digits, settings,
 *                     each network's architecture and files);
 *   needs "runtime"   app = {manifest, tf, runtime, backend, simd}: TensorFlow.js,
 *                     the scripts listed in _static/vendor/runtime.json (the
 *                     pinned npm packages the build copied); util.runtimeName
 *                     says which, in the words every part uses;
 *   needs "networks"  the above and app.models: every exported network, loaded;
 *                     or only those a part names, `networks: ["cnn"]` (or a function
 *                     of its root element that returns the names).
 *
 * Each is loaded once per page, whatever the number of parts. Load order, for
 * a page that paints fast on a phone: nothing starts before the page's first
 * frame is painted, and a part starts only when its block nears the screen
 * (NEAR_SCREEN; `LabLive.startNow()` starts every part at once); then the manifest and the runtime's list are fetched
 * together, the runtime's scripts in parallel (run in order), the likely
 * backend's files preloaded, and the networks' files while the runtime loads. Everything runs
 * here: no image leaves the reader's machine, and no request goes anywhere but
 * the site itself. `window.LabLive` is the page's API (the site tests and the
 * benchmarks use it): `ready`, `startNow`, `apps[kind]`, `firstResultAt`, `load`, `util`
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

  /**
   * Add a script to the page. Scripts added together download in parallel and run in the order
   * they were added (async = false), once each.
   */
  function addScript(src) {
    return new Promise((resolve, reject) => {
      const script = el("script", { src: String(src) });
      script.async = false;
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

  /**
   * The networks' files, fetched as soon as the manifest names them, while the runtime loads
   * (url -> Promise of a Response, or of null if the fetch failed: then loading fetches again and
   * says what went wrong). Each is used once.
   */
  const prefetched = new Map();
  function prefetchNetworks(manifest, names) {
    for (const entry of manifest.models) {
      if (names && !names.includes(entry.name)) continue;
      for (const file of entry.files) {
        const url = new URL(file.path, MODELS).href;
        if (!prefetched.has(url)) prefetched.set(url, fetchNetworkFile(url, file).catch(() => null));
      }
    }
  }
  async function prefetchedOrFetch(url, init, file) {
    const href = new URL(String(url.url || url), location.href).href;
    const early = prefetched.get(href);
    prefetched.delete(href);
    return (early && (await early)) || fetchNetworkFile(url, file, init);
  }

  /**
   * One network file as TensorFlow.js asks for it. Where the export wrote a gzip copy (the
   * weights: static hosts send binaries uncompressed) and the browser can decompress, that copy
   * is fetched and decompressed here (a quarter less to download); otherwise the file itself.
   */
  async function fetchNetworkFile(url, file, init) {
    if (!useGzip(file)) return fetch(url, init);
    const response = await fetch(new URL(file.gzip.path, MODELS), init);
    if (!response.ok || !response.body) return response; // its status names the gzip file
    return gunzipped(response);
  }

  /** Whether the build wrote a gzip copy of a shipped file (``file.gzip``) and this browser can decompress it. */
  function useGzip(file) {
    return Boolean(file && file.gzip && typeof DecompressionStream === "function");
  }

  /** A gzip file's response, decompressed as it streams in. */
  function gunzipped(response) {
    return new Response(response.body.pipeThrough(new DecompressionStream("gzip")),
                        { headers: { "Content-Type": "application/octet-stream" } });
  }

  /** fetch() for one network's files: a clear error for a missing file or one of the wrong size. */
  function checkedFetch(entry) {
    return async (url, init) => {
      const listed = entry.files.find((f) => String(url.url || url).endsWith(f.path));
      const response = await prefetchedOrFetch(url, init, listed);
      const name = new URL(response.url || String(url.url || url), location.href).pathname.split("/").pop();
      if (!response.ok) throw new Error(`the ${entry.title} could not be loaded (HTTP ${response.status} for ${name})`);
      let body;
      try {
        body = await response.clone().arrayBuffer();
      } catch (error) { // a damaged gzip copy
        throw new Error(`the ${entry.title} could not be loaded (${listed && listed.gzip ? listed.gzip.path : name} is damaged: ${error.message})`);
      }
      if (listed && body.byteLength !== listed.bytes) {
        throw new Error(`the ${entry.title} could not be loaded (${name} has ${body.byteLength} bytes, the manifest says ${listed.bytes})`);
      }
      return response;
    };
  }

  let manifestLoading = null;
  let runtimeLoading = null;
  const networkLoading = {}; // name -> Promise of a tf.LayersModel

  /** A pause that lets the browser paint and handle input before more work (a new task). */
  function yieldToPage() {
    if (window.scheduler && typeof window.scheduler.yield === "function") return window.scheduler.yield();
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  /** One prediction on a blank input, read back and thrown away: the backend's one-time set-up. */
  function warmUp(tf, model) {
    tf.tidy(() => {
      const output = model.predict(tf.zeros([1, ...model.inputs[0].shape.slice(1)]));
      (Array.isArray(output) ? output : [output]).forEach((t) => t.dataSync());
    });
  }

  /** The networks' manifest (small JSON), once per page. */
  function loadManifest() {
    manifestLoading = manifestLoading || fetchJson(MANIFEST_JSON, "the networks' manifest");
    return manifestLoading;
  }

  /**
   * The backends a page tries, fastest first; TensorFlow.js's CPU backend (plain JavaScript, always
   * loaded) is the last fallback. Chosen by measurement, not by habit: in headless Chromium on the
   * 2-core build machine, the three networks on one drawn digit (batch 1, probabilities read back;
   * `python -m tools.benchmarks.live_latency`) take 4.3 ms (median) with WebAssembly (SIMD),
   * 47 ms with the CPU backend and 70 ms with WebGL (SwiftShader, a GPU emulated on the CPU).
   * For networks this small a prediction is a dozen tiny kernels: WebAssembly runs each in well
   * under a millisecond, while WebGL pays a shader pass per kernel and a read back per prediction,
   * overhead that a real GPU does not remove either (WebGL wins on large batches, which these
   * pages do not run). So WebAssembly first, then WebGL (where WebAssembly cannot start), then the CPU.
   */
  const BACKEND_ORDER = ["wasm", "webgl"];
  /** Where the backends' binaries are (setWasmPaths). */
  const VENDOR = new URL("vendor/", STATIC);
  const backendLoading = {};

  /**
   * Load one backend's script (once) and start it in TensorFlow.js: true if this browser can run it.
   * It then is the current backend; call tf.setBackend(name) to come back to it later. WebGPU
   * (which only chapter 7 asks for) is fetched only where ``navigator.gpu.requestAdapter()`` gives
   * an adapter; elsewhere this resolves to false without a request.
   */
  function loadBackend(tf, runtime, name, progress) {
    if (name === "cpu") return Promise.resolve(true); // in runtime.scripts
    if (backendLoading[name]) return backendLoading[name];
    backendLoading[name] = (async () => {
      const offered = (runtime.backends || {})[name];
      if (!offered) return false; // not shipped with this build
      if (name === "wasm" && typeof WebAssembly !== "object") return false;
      // WebGPU (chapter 7's timing only, not in BACKEND_ORDER): its script is fetched only where the browser gives an adapter
      if (name === "webgpu" && !(navigator.gpu && await Promise.resolve().then(() => navigator.gpu.requestAdapter()).catch(() => null))) return false;
      if (progress) {
        // the script and one binary (the SIMD one, or the plain one where SIMD is missing)
        const binary = offered.binaries[0] || { bytes: 0 };
        progress.expect(name, offered.scripts.reduce((s, f) => s + f.bytes, 0) + (useGzip(binary) ? binary.gzip : binary).bytes);
      }
      for (const script of offered.scripts) await addScript(new URL(script.src, STATIC));
      if (name === "wasm") {
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false); // no threads: static hosts cannot isolate the page
        tf.wasm.setWasmPaths(await wasmPaths(tf, offered));
      }
      const works = await tf.setBackend(name); // false (and a console warning) where it cannot start
      if (progress) progress.update(name, 1);
      return works;
    })();
    return backendLoading[name];
  }

  /** The WebAssembly backend's binaries (its setWasmPaths needs each, threaded or not). */
  const WASM_BINARIES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

  /**
   * Where the WebAssembly backend finds its binaries: the shipped folder, except the one this
   * browser will run (SIMD or not) where the build wrote a gzip copy (static hosts send .wasm
   * uncompressed; the copy is a third of the bytes) and the browser can decompress it: that one is
   * fetched, decompressed here and handed over in memory (an object URL). Any trouble with the
   * copy falls back to the file itself.
   */
  async function wasmPaths(tf, offered) {
    const paths = Object.fromEntries(WASM_BINARIES.map((file) => [file, new URL(file, VENDOR).href]));
    const wanted = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) ? WASM_BINARIES[1] : WASM_BINARIES[0];
    const binary = (offered.binaries || []).find((b) => b.src.endsWith("/" + wanted));
    if (!useGzip(binary)) return paths;
    try {
      const response = await fetch(new URL(binary.gzip.src, STATIC));
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const bytes = await gunzipped(response).arrayBuffer();
      paths[wanted] = URL.createObjectURL(new Blob([bytes], { type: "application/wasm" }));
    } catch (error) {
      console.warn(`${binary.gzip.src}: ${error.message}; fetching ${binary.src} instead`);
    }
    return paths;
  }

  /** Each backend as the pages name it. */
  const BACKEND_TITLES = { cpu: "CPU (JavaScript)", wasm: "WebAssembly", webgl: "WebGL", webgpu: "WebGPU" };

  /**
   * What computes, in the words every part uses: "TensorFlow.js 4.22.0, WebAssembly (SIMD)".
   * ``version``: the runtime's (runtimeVersion); ``simd``: whether the WebAssembly backend runs its
   * SIMD binary (true or false; null where unknown or the backend is another).
   */
  function runtimeName(version, backend, simd = null) {
    const detail = backend === "wasm" && simd !== null ? (simd ? " (SIMD)" : " (without SIMD)") : "";
    return `TensorFlow.js ${version}, ${BACKEND_TITLES[backend] || backend}${detail}`;
  }

  /** The version of the TensorFlow.js the page runs: tfjs-core's in runtime.json (its packages share one). */
  function runtimeVersion(runtime) {
    const core = runtime.scripts.find((s) => s.package === "@tensorflow/tfjs-core") || runtime.scripts[0];
    return core ? core.version : "?";
  }

  /** A backend the page was asked for in its address (``?backend=wasm``: the parity tests use it), or null. */
  function requestedBackend() {
    return new URLSearchParams(location.search).get("backend");
  }

  /** The backend the page computes with: the first of BACKEND_ORDER this browser runs, else the CPU. */
  async function chooseBackend(tf, runtime, progress) {
    const asked = requestedBackend();
    const order = asked ? [asked] : [...BACKEND_ORDER, "cpu"];
    for (const name of order) {
      if (await loadBackend(tf, runtime, name, progress) && await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
    }
    throw new Error(`the backend "${asked}" is not available in this browser`);
  }

  /**
   * Let the browser fetch the files of the backend the page will most likely run (the first of
   * BACKEND_ORDER this build ships and this browser has, or the one asked for) while the runtime's
   * scripts load, instead of after them; loadBackend then finds them in the browser's cache.
   */
  function preloadBackend(runtime) {
    const offered = runtime.backends || {};
    const asked = requestedBackend();
    const name = asked || BACKEND_ORDER.find((n) => offered[n] && (n !== "wasm" || typeof WebAssembly === "object"));
    if (!name || !offered[name]) return;
    const hint = (src, as) => document.head.append(el("link", {
      rel: "preload", as, href: new URL(src, STATIC).href, crossorigin: as === "fetch" ? "anonymous" : null,
    }));
    for (const script of offered[name].scripts || []) hint(script.src, "script");
    const binary = name === "wasm" && offered[name].binaries && offered[name].binaries[0];
    if (binary) hint(useGzip(binary) ? binary.gzip.src : binary.src, "fetch");
  }

  /** TensorFlow.js, once per page: resolves to {tf, runtime, backend, simd} (simd: see runtimeName). */
  function loadRuntime(progress) {
    if (runtimeLoading) return runtimeLoading;
    runtimeLoading = (async () => {
      const runtime = await fetchJson(RUNTIME_JSON, "the runtime list (this build has no JavaScript runtime: see the README)");
      for (const script of runtime.scripts) progress.expect(script.src, script.bytes);
      preloadBackend(runtime);
      // all at once: they download in parallel and run in order (core, backend, layers)
      await Promise.all(runtime.scripts.map((script) => {
        if (script.package === "@tensorflow/tfjs-core" && window.tf) return progress.update(script.src, 1);
        return addScript(new URL(script.src, STATIC)).then(() => progress.update(script.src, 1));
      }));
      const tf = window.tf;
      const backend = await chooseBackend(tf, runtime, progress);
      const simd = backend === "wasm" ? Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) : null;
      return { tf, runtime, backend, simd };
    })();
    return runtimeLoading;
  }

  /**
   * The exported networks named (all of them without ``names``), each loaded once per page:
   * resolves to {name: tf.LayersModel}.
   */
  async function loadNetworks(tf, manifest, progress, names) {
    if (!manifest.models.length) throw new Error("this build exported no networks (its model cache was empty)");
    const entries = names ? manifest.models.filter((m) => names.includes(m.name)) : manifest.models;
    const unknown = (names || []).filter((name) => !manifest.models.some((m) => m.name === name));
    if (unknown.length) throw new Error(`this build exported no network named "${unknown.join('", "')}"`);
    for (const entry of entries) {
      progress.expect(entry.name, entry.files.reduce((s, f) => s + f.bytes, 0));
    }
    // One network after the other (their files download together, prefetchNetworks), with a pause
    // between them: building a network from its weights is main-thread work, and three at once were
    // one long task that kept a phone from answering the reader (Lighthouse's blocking time).
    const models = {};
    for (const entry of entries) {
      const json = entry.files.find((f) => f.path.endsWith(".json"));
      networkLoading[entry.name] = networkLoading[entry.name] || yieldToPage().then(() => tf.loadLayersModel(new URL(json.path, MODELS).href, {
        onProgress: (fraction) => progress.update(entry.name, fraction),
        fetchFunc: checkedFetch(entry),
      })).then(async (model) => {
        await yieldToPage();
        warmUp(tf, model); // its first prediction sets up every kernel: here, in a task of its own
        return model;
      });
      models[entry.name] = await networkLoading[entry.name];
      progress.update(entry.name, 1);
    }
    return models;
  }

  /**
   * What a live part needs ("manifest", "runtime" or "networks"), loaded once per page.
   * ``onProgress(fraction, bytes)`` hears how far the runtime's scripts and the networks' files are;
   * ``names``: the networks a part uses (default: every exported one). The manifest and the
   * runtime's list are fetched together, and the networks' files while the runtime loads.
   */
  async function load(needs = "networks", onProgress = () => {}, names = null) {
    const progress = new Progress(onProgress);
    try {
      if (needs !== "manifest") loadRuntime(progress).catch(() => {}); // started now; its error is reported below
      const manifest = await loadManifest();
      if (needs === "manifest") return { manifest };
      if (needs === "networks") prefetchNetworks(manifest, names);
      const { tf, runtime, backend, simd } = await loadRuntime(progress);
      if (needs === "runtime") return { manifest, tf, runtime, backend, simd };
      const models = await loadNetworks(tf, manifest, progress, names);
      return { manifest, tf, runtime, backend, simd, models };
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

  // --------------------------------------------------- off the main thread

  let digitsWorker = null;
  let jobs = 0;
  const jobsWaiting = new Map(); // id -> {resolve, reject}

  /**
   * LabDigits.preprocess(photo) in a Web Worker (digits-worker.js): resolves to the same result,
   * rejects with the same LabDigits.DigitImageError. A photo's pipeline is about a second of work
   * on a phone; off the main thread, the page stays responsive meanwhile. Without workers it runs
   * here.
   */
  function preprocessOffThread(photo) {
    if (typeof Worker !== "function") return Promise.resolve().then(() => window.LabDigits.preprocess(photo));
    if (!digitsWorker) {
      digitsWorker = new Worker(new URL("digits-worker.js", HERE));
      digitsWorker.onmessage = ({ data }) => {
        const job = jobsWaiting.get(data.id);
        jobsWaiting.delete(data.id);
        if (!job) return;
        if (!data.error) job.resolve(data.result);
        else job.reject(data.error.digitError && window.LabDigits ? new LabDigits.DigitImageError(data.error.message) : new Error(data.error.message));
      };
      digitsWorker.onerror = (event) => {
        event.preventDefault();
        for (const job of jobsWaiting.values()) job.reject(new Error(`the photo pipeline stopped (${event.message || "worker error"})`));
        jobsWaiting.clear();
        digitsWorker = null;
      };
    }
    const id = ++jobs;
    return new Promise((resolve, reject) => {
      jobsWaiting.set(id, { resolve, reject });
      digitsWorker.postMessage({ id, photo });
    });
  }

  // ----------------------------------------------------------- status panel

  /** What a part is waiting for, by what it needs (the status panel's words). */
  const LOADING = { manifest: "the build's data", runtime: "TensorFlow.js", networks: "TensorFlow.js and the networks" };

  function statusPanel(needs = "networks") {
    const what = LOADING[needs] || LOADING.networks;
    const bar = el("progress", { max: 1, value: 0, "aria-label": `loading ${what}` });
    const text = el("span", { text: `Loading ${what} ...` });
    const panel = el("div", { className: "live-status", role: "status", "aria-live": "polite" }, bar, " ", text);
    return {
      panel,
      progress(fraction, bytes) {
        bar.value = fraction;
        text.textContent = `Loading ${what}: ${Math.round(fraction * 100)}% of ${(bytes / 1e6).toFixed(1)} MB`;
      },
      ready(app) {
        bar.hidden = true;
        const profile = app.manifest.models[0] ? app.manifest.models[0].profile : "?";
        if (!app.runtime) {
          text.textContent = `Ready: this part runs in your browser, with the build's data (${profile} profile).`;
          return;
        }
        const what = app.models ? `the networks this build trained (${profile} profile) run` : "this part runs";
        text.textContent = `Ready: ${what} in your browser on ${runtimeName(runtimeVersion(app.runtime), app.backend, app.simd)}.`;
      },
      failed(error) {
        bar.hidden = true;
        panel.classList.add("live-error");
        text.textContent = `The live part could not start: ${error.message}. The chapter's static figures show what the build computed.`;
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
    util: { el, fetchJson, modelInputs, predict, preprocessOffThread, yieldToPage, statusPanel, loadBackend, BACKEND_ORDER, runtimeName, runtimeVersion, STATIC, MODELS, HERE },
    /** A live part's script calls this once: ``needs`` is "manifest", "runtime" or "networks". */
    register(kind, part) {
      parts[kind] = part;
    },
    /**
     * Start every part of the page now, wherever it is (each starts by itself when it nears the
     * screen): for the site tests and benchmarks, which look at parts without scrolling to them.
     * Resolves as ``ready`` does.
     */
    startNow() {
      startEverything = true;
      startNow.forEach((resolve) => resolve());
      return api.ready;
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

  /** The part's place in the page: its status panel, shown at once (before the first paint). */
  function prepare(root) {
    root.classList.add("live-app-running");
    const part = parts[root.dataset.liveApp];
    const status = statusPanel(part && part.needs);
    root.append(status.panel);
    return status;
  }

  async function start(root, status) {
    const kind = root.dataset.liveApp;
    try {
      const part = parts[kind];
      if (!part) throw new Error(`unknown live part "${kind}"`);
      const names = typeof part.networks === "function" ? part.networks(root) : part.networks;
      // what the part can do before the runtime is there (fetch and prepare its first input), meanwhile
      const early = part.early ? Promise.resolve().then(() => part.early(root)).catch((error) => error) : null;
      const app = await load(part.needs, (fraction, bytes) => status.progress(fraction, bytes), names || null);
      api.apps[kind] = await part.start(root, early ? { ...app, early: await early } : app, status);
      status.ready(app);
    } catch (error) {
      root.classList.add("live-app-failed"); // gives back the space kept for it (live.css)
      status.failed(error);
      throw error;
    }
  }

  /**
   * Resolves once the page has painted its first content (the browser's "first-contentful-paint"),
   * or after 2 s (a page in a background tab paints nothing): the chapter's text shows before the
   * live parts fetch and compute anything.
   */
  function afterFirstPaint() {
    return new Promise((resolve) => {
      const next = () => setTimeout(resolve, 0);
      setTimeout(resolve, 2000);
      const types = (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
      if (!types.includes("paint")) return requestAnimationFrame(next);
      const observer = new PerformanceObserver((list) => {
        if (!list.getEntriesByName("first-contentful-paint").length) return;
        observer.disconnect();
        next();
      });
      observer.observe({ type: "paint", buffered: true });
    });
  }

  /**
   * How near the screen a part's block must come before the part loads anything: within one and a
   * half screen heights (an IntersectionObserver's rootMargin). Like the chapter's lazy figures, a
   * part far down a chapter then costs a reader who never scrolls there nothing (a megabyte or
   * two, and seconds of a phone's processor while the text is read); one the reader nears has
   * loaded by the time it is on screen, or is loading and says so.
   */
  const NEAR_SCREEN = "150% 0px";
  const startNow = []; // each waiting part's start, for LabLive.startNow()
  let startEverything = false; // LabLive.startNow() was called

  /** Resolves when ``root`` nears the screen, or at LabLive.startNow(); at once without IntersectionObserver. */
  function nearScreen(root) {
    return new Promise((resolve) => {
      startNow.push(resolve);
      if (startEverything || typeof IntersectionObserver !== "function") return resolve();
      const observer = new IntersectionObserver((entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        observer.disconnect();
        resolve();
      }, { rootMargin: NEAR_SCREEN });
      observer.observe(root);
    });
  }

  function startAll() {
    const roots = [...document.querySelectorAll("[data-live-app]")];
    const panels = roots.map(prepare);
    api.ready = afterFirstPaint().then(() => Promise.all(roots.map((root, i) => nearScreen(root)
      .then(() => start(root, panels[i]))
      .catch((error) => {
        console.warn(`live part ${root.dataset.liveApp}: ${error.message}`);
        return null;
      }))));
  }

  // the parts' scripts (deferred, after this one) register before DOMContentLoaded
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else setTimeout(startAll);
})();
