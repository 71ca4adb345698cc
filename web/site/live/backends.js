/*
 * Live part "backends" (chapter 7, "CPU vs GPU on your own device"): time
 * training steps of the course's CNN on every TensorFlow.js backend this
 * browser offers (CPU, WebAssembly, WebGL, and WebGPU where the browser gives
 * a WebGPU adapter: only then does the loader fetch its script), as labsupport.timing does on the
 * build machine: fresh weights, the course's recipe, a few warm-up steps left
 * out, then many short samples of STEPS_PER_SAMPLE steps (fewer on a slow backend: stepsFor)
 * and their QUANTILE.
 *
 * Everything it uses comes from the export: the CNN's architecture (its
 * model.json topology; its trained weights are not fetched), the recipe and
 * the statistic (manifest.training: labsupport.webexport.training_settings),
 * the page's smaller batch and time budget (manifest.training.browser_timing:
 * labsupport.webexport.browser_timing), and the images (manifest.training_set when the build shipped one, else
 * manifest.samples).
 */
(function () {
  "use strict";

  const { el, fetchJson, modelInputs, loadBackend, BACKEND_ORDER, MODELS } = LabLive.util;

  /** The network timed (a registry name; the chapter's new_cnn()). */
  const NETWORK = "cnn";
  /**
   * The backends timed, in this order: the CPU, the pages' own (BACKEND_ORDER), then WebGPU, which
   * only this page uses (the loader fetches it only where the browser gives a WebGPU adapter).
   */
  const TIMED = ["cpu", ...BACKEND_ORDER.filter((b) => b !== "webgpu"), "webgpu"];
  /** How each backend is named on the page. */
  const TITLES = {
    cpu: "CPU (JavaScript)", wasm: "WebAssembly (CPU, SIMD)", webgl: "WebGL (graphics processor)",
    webgpu: "WebGPU (graphics processor)",
  };

  // ------------------------------------------------------------ statistics

  /** The q quantile of values, interpolated linearly (numpy.quantile's default, as labsupport.timing uses). */
  function quantile(values, q) {
    const sorted = [...values].sort((a, b) => a - b);
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.min(low + 1, sorted.length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  }

  /** "25th percentile", "median" (labsupport.timing._quantile_name). */
  function quantileName(q) {
    if (q === 0.5) return "median";
    const pct = Math.round(q * 100);
    const suffix = [11, 12, 13].includes(pct % 100) ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[pct % 10] || "th");
    return `${pct}${suffix} percentile`;
  }

  // -------------------------------------------------------------- the data

  /**
   * Training images: the MNIST training subset the site ships (manifest.training_set: a gzip
   * file of uint8 parts, each part's offset and shape listed; labsupport.webexport.export_training_set)
   * when the build shipped one and the browser can decompress it, else the manifest's test digits.
   * Resolves to {pixels, labels, count, source}.
   */
  async function trainingImages(manifest) {
    const set = manifest.training_set;
    if (set && set.parts && typeof DecompressionStream === "function") {
      const response = await fetch(new URL(set.path, MODELS));
      if (!response.ok) throw new Error(`could not load the training images (HTTP ${response.status} for ${set.path})`);
      const stream = set.encoding === "gzip" ? response.body.pipeThrough(new DecompressionStream("gzip")) : response.body;
      const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
      const part = (name) => {
        const found = set.parts.find((p) => p.name === name);
        if (!found) throw new Error(`the training subset has no part "${name}"`);
        const size = found.shape.reduce((a, b) => a * b, 1);
        if (found.offset + size > bytes.length) throw new Error(`the training subset is shorter than its manifest says (${bytes.length} bytes)`);
        return bytes.subarray(found.offset, found.offset + size);
      };
      const labels = part("train_labels");
      return { pixels: part("train_images"), labels, count: labels.length,
        source: `the MNIST training subset this site ships (${(set.bytes / 1e6).toFixed(1)} MB, ${labels.length.toLocaleString("en")} images)` };
    }
    const samples = manifest.samples;
    if (!samples || !samples.length) throw new Error("the manifest has no images to train on");
    const pixels = new Uint8Array(samples.length * 784);
    samples.forEach((s, i) => pixels.set(s.pixels, i * 784));
    return {
      pixels,
      labels: Uint8Array.from(samples.map((s) => s.label)),
      count: samples.length,
      source: `the ${samples.length} MNIST test digits of the site's manifest, repeated (this build ships no training subset)`,
    };
  }

  /** Batch i (wrapping around the images) in the CNN's input format, and its labels. */
  function batchOf(tf, images, i, batchSize) {
    const pixels = new Uint8Array(batchSize * 784);
    const labels = new Float32Array(batchSize);
    for (let k = 0; k < batchSize; k++) {
      const n = (i * batchSize + k) % images.count;
      pixels.set(images.pixels.subarray(n * 784, (n + 1) * 784), k * 784);
      labels[k] = images.labels[n];
    }
    return { x: modelInputs(tf, pixels, batchSize, "image"), y: tf.tensor1d(labels) };
  }

  // ------------------------------------------------------------ the network

  /** "sparse_categorical_crossentropy" -> "sparseCategoricalCrossentropy" (TensorFlow.js's name of a Keras loss). */
  function camelCase(name) {
    return name.replace(/_(.)/g, (_, c) => c.toUpperCase());
  }

  /** The optimizer of labsupport.train.compile_classifier, with its settings from the manifest. */
  function optimizerOf(tf, settings) {
    if (settings.name !== "adam") throw new Error(`this page knows the Adam optimizer only; the recipe uses ${settings.name}`);
    return tf.train.adam(settings.learning_rate, settings.beta_1, settings.beta_2, settings.epsilon);
  }

  /** A new CNN with fresh weights, compiled with the course's recipe (train.compile_classifier). */
  async function newCnn(tf, topology, training) {
    const model = await tf.models.modelFromJSON(topology);
    for (const layer of model.layers) layer.trainable = true; // exported for inference (webexport), trained here
    model.compile({ optimizer: optimizerOf(tf, training.optimizer), loss: camelCase(training.loss) });
    return model;
  }

  /**
   * TensorFlow.js 4.22's WebAssembly backend has no kernel for a 2D convolution's weight
   * gradient (Conv2DBackpropFilter), which training needs; it has the 3D one. A 2D
   * convolution is a 3D one of depth 1, so this gives the backend the 2D kernel through
   * its own 3D one (all in WebAssembly, nothing falls back to JavaScript).
   */
  function addWasmWeightGradient(tf) {
    if (tf.getKernel("Conv2DBackpropFilter", "wasm")) return;
    const conv3d = tf.getKernel("Conv3DBackpropFilterV2", "wasm");
    const reshape = tf.getKernel("Reshape", "wasm");
    tf.registerKernel({
      kernelName: "Conv2DBackpropFilter",
      backendName: "wasm",
      kernelFunc({ inputs, backend, attrs }) {
        const { x, dy } = inputs;
        const { strides, pad, dataFormat, filterShape } = attrs;
        const [sh, sw] = typeof strides === "number" ? [strides, strides] : strides;
        // the 3D kernel of TensorFlow.js 4.22 gives wrong gradients for strides over 1 (tested:
        // tests/site/test_live_backends.py); the course's CNN uses stride 1 everywhere
        if (dataFormat !== "NHWC" || typeof pad !== "string" || sh !== 1 || sw !== 1) {
          throw new Error("the WebAssembly weight gradient supports stride 1, NHWC and 'valid' or 'same' padding only");
        }
        const depth1 = (t) => reshape.kernelFunc({ inputs: { x: t }, backend, attrs: { shape: [t.shape[0], 1, ...t.shape.slice(1)] } });
        const x5 = depth1(x);
        const dy5 = depth1(dy);
        const dw5 = conv3d.kernelFunc({ inputs: { x: x5, dy: dy5 }, backend, attrs: { strides: [1, 1, 1], pad, filterShape: [1, ...filterShape] } });
        const dw = reshape.kernelFunc({ inputs: { x: dw5 }, backend, attrs: { shape: filterShape } });
        for (const t of [x5, dy5, dw5]) backend.disposeData(t.dataId);
        return dw;
      },
    });
  }

  // ------------------------------------------------------------ the timing

  /**
   * Steps per sample on one backend: the recipe's (timing.STEPS_PER_SAMPLE), fewer (down to 1) when
   * a step takes so long (the last warm-up step, ``stepSeconds``) that ``minSamples`` samples would
   * not fit in ``seconds``. A slow backend (plain JavaScript) is then timed in about as long as a
   * fast one, not in minutes.
   */
  function stepsFor(stepSeconds, recipeSteps, seconds, minSamples) {
    if (!(stepSeconds > 0)) return recipeSteps;
    return Math.max(1, Math.min(recipeSteps, Math.floor(seconds / (minSamples * stepSeconds))));
  }

  /**
   * Time training on one backend (labsupport.timing.time_training): a fresh CNN,
   * `warmup_batches` steps left out, then samples of `steps_per_sample` steps until
   * `seconds_per_backend` have passed (`min_samples` to `max_samples` of them; ``training`` is the
   * page's plan: the manifest's recipe with its browser_timing). Each step reads
   * its loss back, so a sample's end is a true wall time on a GPU too (timing.StepClock).
   * Resolves to {backend, images, seconds, samples, quantile, imagesPerSecond, loss}.
   */
  async function timeTraining(tf, backend, topology, training, images, onSample) {
    if (!(await tf.setBackend(backend))) throw new Error(`${backend} did not start`);
    const model = await newCnn(tf, topology, training);
    const batchSize = training.batch_size;
    const batches = Math.max(1, Math.ceil(images.count / batchSize));
    let step = 0;
    let loss = NaN;
    async function trainStep() {
      const { x, y } = batchOf(tf, images, step++ % batches, batchSize);
      try {
        loss = await model.trainOnBatch(x, y);
      } finally {
        x.dispose();
        y.dispose();
      }
    }
    const samples = [];
    const { seconds_per_backend: seconds, min_samples: minSamples, max_samples: maxSamples } = training;
    let stepsPerSample = training.steps_per_sample;
    try {
      let lastStep = 0;
      for (let i = 0; i < training.warmup_batches; i++) {
        const start = performance.now();
        await trainStep();
        lastStep = (performance.now() - start) / 1000;
      }
      stepsPerSample = stepsFor(lastStep, training.steps_per_sample, seconds, minSamples);
      const started = performance.now();
      while (samples.length < minSamples || (samples.length < maxSamples && performance.now() - started < seconds * 1000)) {
        const start = performance.now();
        for (let s = 0; s < stepsPerSample; s++) await trainStep();
        samples.push((performance.now() - start) / 1000);
        onSample(samples.length);
      }
    } finally {
      model.optimizer.dispose();
      model.dispose();
    }
    const time = quantile(samples, training.quantile);
    const imagesPerSample = stepsPerSample * batchSize;
    return { backend: tf.getBackend(), images: imagesPerSample, stepsPerSample, seconds: time, samples,
      quantile: training.quantile, imagesPerSecond: imagesPerSample / time, loss };
  }

  // -------------------------------------------------------------- hardware

  /** What the browser says of the machine: cores, the WebGL renderer, the WebGPU adapter. */
  async function hardware() {
    const found = { cores: navigator.hardwareConcurrency || null, webgl: null, webgpu: null };
    try {
      const gl = document.createElement("canvas").getContext("webgl2") || document.createElement("canvas").getContext("webgl");
      if (gl) {
        const info = gl.getExtension("WEBGL_debug_renderer_info");
        found.webgl = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      }
    } catch (error) { /* no WebGL: said below */ }
    if (navigator.gpu) {
      try {
        const adapter = await navigator.gpu.requestAdapter();
        const info = adapter && (adapter.info || (adapter.requestAdapterInfo && await adapter.requestAdapterInfo()));
        found.webgpu = adapter ? ([info && info.vendor, info && info.architecture, info && info.description].filter(Boolean).join(" ") || "an adapter that gives no name") : "no adapter";
      } catch (error) {
        found.webgpu = `no adapter (${error.message})`;
      }
    }
    return found;
  }

  function hardwareText(found) {
    const parts = [`${found.cores || "an unknown number of"} logical processor cores`];
    parts.push(found.webgl ? `WebGL renderer: ${found.webgl}` : "no WebGL");
    if (!found.webgpu) parts.push("no WebGPU in this browser");
    else if (found.webgpu.startsWith("no adapter")) parts.push(`WebGPU without a graphics adapter (${found.webgpu})`);
    else parts.push(`WebGPU adapter: ${found.webgpu}`);
    return `Your browser reports ${parts.join("; ")}.`;
  }

  /** Why WebGPU cannot be timed here, from what hardware() found; null where it has an adapter. */
  function webGpuMissing(found) {
    if (!found.webgpu) return "this browser has no WebGPU";
    if (found.webgpu.startsWith("no adapter")) return "WebGPU gives no graphics adapter here";
    return null;
  }

  // ------------------------------------------------------------------ page

  /** 1234 -> "1,234", 2.345 -> "2.3": whole numbers once the decimals say nothing more. */
  function speedText(value) {
    return value >= 100 ? Math.round(value).toLocaleString("en") : value.toPrecision(2);
  }

  /** "1 step", "4 steps". */
  function count(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  /** What a backend's row says instead of a bar: why it is not available, or why its timing stopped. */
  function missingText(result) {
    if (result.reason) return `not available in this browser: ${result.reason}`;
    return `could not be timed${result.error ? `: ${result.error}` : ""}`;
  }

  /** One row per backend: images/s as a bar (the longest the fastest), or why there is none. */
  function speedBars(results) {
    const fastest = Math.max(...results.filter((r) => !r.unavailable).map((r) => r.imagesPerSecond));
    return el("div", { className: "live-speed-bars" }, ...results.map((r) => {
      const label = el("span", { className: "live-speed-label", text: TITLES[r.backend] || r.backend });
      if (r.unavailable) {
        return el("div", { className: "live-speed-row live-unavailable", "data-backend": r.backend },
          label, el("span", { className: "live-speed-missing", text: missingText(r) }));
      }
      const bar = el("span", { className: "live-bar" });
      bar.style.width = `${((r.imagesPerSecond / fastest) * 100).toFixed(1)}%`;
      return el("div", { className: `live-speed-row${r.imagesPerSecond === fastest ? " live-best" : ""}`, "data-backend": r.backend },
        label,
        el("span", { className: "live-bar-track" }, bar),
        el("span", { className: "live-bar-value", text: `${speedText(r.imagesPerSecond)} images/s` }));
    }));
  }

  /**
   * The page's plan: the manifest's recipe (manifest.training) with its browser timing
   * (manifest.training.browser_timing: the smaller batch and the time budget), then ``overrides``.
   */
  function timingPlan(training, overrides = {}) {
    const browser = training.browser_timing;
    return {
      ...training,
      batch_size: browser.batch_size,
      seconds_per_backend: browser.seconds_per_backend,
      min_samples: browser.min_samples,
      max_samples: browser.max_samples,
      ...overrides,
    };
  }

  /** "A, B, C and D". */
  function listText(items) {
    return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
  }

  function backendTimer(root, app) {
    const { manifest } = app; // TensorFlow.js loads when the reader presses the button
    const training = manifest.training;
    if (!training) throw new Error("this build's manifest has no training settings (labsupport.webexport.training_settings)");
    if (!training.browser_timing) throw new Error("this build's manifest has no browser timing settings (labsupport.webexport.browser_timing)");
    const entry = manifest.models.find((m) => m.name === NETWORK);
    if (!entry) throw new Error(`this build exported no network named "${NETWORK}"`);
    const browser = training.browser_timing;
    const button = el("button", { type: "button", className: "live-button live-primary", text: "Time my device" });
    const progress = el("p", { className: "live-timing-progress", role: "status", "aria-live": "polite" });
    const results = el("div", { className: "live-timing-results" });
    const about = el("p", { className: "live-timing-about" });
    const machine = el("p", { className: "live-timing-hardware" });
    const message = el("p", { className: "live-message", role: "alert" });
    const set = manifest.training_set;
    const data = set
      ? `It trains on the MNIST training subset this site ships: ${(set.bytes / 1e6).toFixed(1)} MB, loaded when you press the button (${set.source}).`
      : "It trains on the test digits of the site's manifest (this build ships no training subset).";
    const batch = `It trains in batches of ${browser.batch_size} images (${browser.why}).`;
    const names = TIMED.map((b) => TITLES[b] || b);
    root.append(
      el("p", { className: "live-timing-intro", text: `Train the course's CNN on each backend of TensorFlow.js that this site ships and your browser runs: ${listText([...names.slice(0, -1), `${names[names.length - 1]} where your browser has it`])}.` }),
      el("p", { className: "live-timing-data", text: `${data} ${batch}` }),
      button, progress, message, results, about, machine,
    );
    const found = hardware();
    found.then((f) => { machine.textContent = hardwareText(f); });
    const api = { results: null, running: false, run, stepsFor, plan: timingPlan(training) };

    /**
     * Time every backend; resolves to one result per backend. ``options`` (the site test keeps it short
     * with them): ``backends``, a subset to time, and ``training``, settings that replace the page's plan
     * (timingPlan; e.g. ``{batch_size: 8, seconds_per_backend: 0}``).
     */
    async function run(options = {}) {
      if (api.running) return api.results;
      const plan = timingPlan(training, options.training);
      api.running = true;
      button.setAttribute("aria-disabled", "true"); // not disabled: the keyboard's focus stays on it
      progress.textContent = "Loading TensorFlow.js ...";
      let runtimeApp = null;
      message.textContent = "";
      results.replaceChildren();
      about.textContent = "";
      const done = [];
      try {
        runtimeApp = await LabLive.load("runtime");
        const { tf, runtime } = runtimeApp;
        const offered = TIMED.filter((b) => b === "cpu" || (runtime.backends || {})[b]);
        const chosen = options.backends || offered;
        const json = entry.files.find((f) => f.path.endsWith(".json"));
        const topology = (await fetchJson(new URL(json.path, MODELS), `the ${entry.title}'s architecture`)).modelTopology;
        const images = await trainingImages(manifest);
        for (const backend of chosen) {
          const title = TITLES[backend] || backend;
          progress.textContent = `Loading ${title} ...`;
          const missing = backend === "webgpu" ? webGpuMissing(await found) : null;
          // the loader checks for a WebGPU adapter too, and fetches nothing without one
          if (missing || !(await loadBackend(tf, runtime, backend))) {
            done.push({ backend, unavailable: true, reason: missing || "it did not start" });
            results.replaceChildren(speedBars(done));
            continue;
          }
          if (backend === "wasm") addWasmWeightGradient(tf);
          progress.textContent = `Timing ${title}: warming up ...`;
          try {
            done.push(await timeTraining(tf, backend, topology, plan, images,
              (n) => { progress.textContent = `Timing ${title}: sample ${n} ...`; }));
          } catch (error) { // one backend failing (e.g. a lost WebGL context) does not stop the others
            done.push({ backend, unavailable: true, error: error.message });
          }
          results.replaceChildren(speedBars(done));
        }
        const timed = done.filter((r) => !r.unavailable);
        const notTimed = done.filter((r) => r.unavailable).map((r) => TITLES[r.backend] || r.backend);
        progress.textContent = `Done: ${count(timed.length, "backend")} timed` +
          (notTimed.length ? `; not timed: ${listText(notTimed)} (${notTimed.length === 1 ? "its row says" : "their rows say"} why).` : ".");
        const q = quantileName(plan.quantile);
        const each = (key) => timed.map((r) => `${TITLES[r.backend] || r.backend}: ${key(r)}`).join(", ");
        about.textContent = timed.length === 0 ? "" :
          `Each bar: a fresh CNN (the build's architecture, new random weights) trained with ${plan.optimizer.name} ` +
          `(learning rate ${plan.optimizer.learning_rate}) in batches of ${plan.batch_size} (${browser.why}) from ${images.source}; ` +
          `${count(plan.warmup_batches, "warm-up step")} left out, then samples of ${count(plan.steps_per_sample, "step")} ` +
          `(fewer on a backend too slow for that: ${each((r) => r.stepsPerSample)}) for about ` +
          `${plan.seconds_per_backend} s (at least ${plan.min_samples}), and the ${q} of the samples (${each((r) => r.samples.length)}), the statistic of the table above. ` +
          `Loss after the timed steps: ${each((r) => r.loss.toFixed(2))}.`;
        api.results = done;
        return done;
      } catch (error) {
        message.textContent = `The timing stopped: ${error.message}`;
        throw error;
      } finally {
        if (runtimeApp) await runtimeApp.tf.setBackend(runtimeApp.backend); // the page's own backend again
        api.running = false;
        button.setAttribute("aria-disabled", "false");
      }
    }

    button.addEventListener("click", () => run().catch(() => {}));
    LabLive.firstResult(); // ready to time: the page's first result is the button itself
    return api;
  }

  LabLive.register("backends", { needs: "manifest", start: backendTimer });
})();
