/*
 * The live parts of the course site: the build's own networks, in the page.
 *
 * A page with an element `<div data-live-app="own-digit">` or
 * `<div data-live-app="layers">` (a raw HTML block in its chapter) gets this
 * script (tools/sphinxext.py adds it to those pages only). It then
 *
 *   1. loads the runtime (TensorFlow.js core, CPU backend, layers: the list
 *      in _static/vendor/runtime.json, written by the build from the pinned
 *      npm packages) and the networks (models/web/manifest.json, written by
 *      labsupport.webexport.publish), showing progress;
 *   2. builds the live part into the element:
 *        own-digit  a drawing pad and a photo picker; every photo goes through
 *                   LabDigits.preprocess (digits.js, the port of
 *                   labsupport/digits.py) and the three networks; the page
 *                   shows each step and the probabilities, with the verdict of
 *                   labsupport.inference.verdict;
 *        layers     a test digit (or one drawn) through the CNN, every layer's
 *                   output shown as in the chapter's static figures.
 *
 * Everything runs here: no image leaves the reader's machine, and no request
 * goes anywhere but the site itself. `window.LabLive` is the page's API (the
 * site tests and the benchmark use it).
 */
(function () {
  "use strict";

  const HERE = new URL(".", document.currentScript.src); // .../_static/live/
  const STATIC = new URL("../", HERE); // .../_static/
  const MODELS = new URL("../../models/web/", HERE); // .../models/web/
  const RUNTIME_JSON = new URL("vendor/runtime.json", STATIC);
  const MANIFEST_JSON = new URL("manifest.json", MODELS);
  const SAMPLE_PHOTOS = new URL("samples/", HERE);

  /** While drawing, the networks run at most this often (ms); always when a stroke ends. */
  const PREDICT_EVERY = 250;
  /** Pen width on the 280x280 pad, in pixels. */
  const PEN = 18;

  /** The image steps shown, as in labsupport.plots.pipeline_steps. */
  const STEP_VIEWS = [
    ["photo", "photo"],
    ["gray", "grayscale"],
    ["ink", "ink bright"],
    ["flat", "background removed"],
    ["selection", "the digit (grey: dropped)"],
    ["stroked", "stroke width set"],
    ["fitted", "fit into 20x20"],
    ["digit", "centred 28x28"],
  ];

  // ------------------------------------------------------------------ loading

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

  let loading = null;

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

  /** Load the runtime and every network once per page; resolves to {tf, manifest, models}. */
  function load(onProgress) {
    if (loading) return loading;
    loading = (async () => {
      const [runtime, manifest, samples] = await Promise.all([
        fetchJson(RUNTIME_JSON, "the runtime list (this build has no JavaScript runtime: see the README)"),
        fetchJson(MANIFEST_JSON, "the networks' manifest"),
        fetchJson(new URL("index.json", SAMPLE_PHOTOS), "the sample photos").catch(() => ({ photos: [] })),
      ]);
      const progress = new Progress(onProgress);
      for (const script of runtime.scripts) progress.expect(script.src, script.bytes);
      for (const entry of manifest.models) {
        progress.expect(entry.name, entry.files.reduce((s, f) => s + f.bytes, 0));
      }
      for (const script of runtime.scripts) {
        if (script.package === "@tensorflow/tfjs-core" && window.tf) continue;
        await addScript(new URL(script.src, STATIC));
        progress.update(script.src, 1);
      }
      const tf = window.tf;
      await tf.setBackend("cpu"); // exact float32 arithmetic, the same on every machine
      await tf.ready();
      if (!manifest.models.length) throw new Error("this build exported no networks (its model cache was empty)");
      const models = {};
      try {
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
      } finally {
        progress.finished = true;
      }
      return { tf, manifest, models, runtime, photos: samples.photos };
    })();
    return loading;
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

  /** The networks' verdict on one digit, as labsupport.inference.verdict decides it. */
  function verdict(probabilities, threshold) {
    const rows = Object.values(probabilities);
    const mean = Array.from({ length: 10 }, (_, k) => rows.reduce((s, p) => s + p[k], 0) / rows.length);
    const order = mean.map((p, k) => [p, k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const [[p1, first], [p2, second]] = order;
    const tops = new Set(rows.map((p) => p.indexOf(Math.max(...p))));
    const reasons = [];
    if (tops.size > 1) reasons.push("the networks disagree");
    if (p1 < threshold) reasons.push(`the top probability is below ${Math.round(threshold * 100)}%`);
    return { label: first, probability: p1, runnerUp: second, runnerUpProbability: p2, sure: !reasons.length, reason: reasons.join(" and ") };
  }

  /** A probability as a percentage; never "100%" or "0%" for what is not exactly 1 or 0. */
  function percent(p) {
    if (p > 0.995 && p < 1) return ">99%";
    if (p > 0 && p < 0.005) return "<1%";
    return `${Math.round(p * 100)}%`;
  }

  function verdictText(v) {
    if (v.sure) return `a ${v.label} (${percent(v.probability)})`;
    return `unsure: ${v.label} (${percent(v.probability)}) or ${v.runnerUp} (${percent(v.runnerUpProbability)}); ${v.reason}`;
  }

  // ------------------------------------------------------------------ drawing

  /** Draw a grey image ({width, height, data} in [0, 1] or 0..255) into a canvas, pixel for pixel. */
  function paintGray(canvas, image, scale = 1) {
    const { width, height, data } = image;
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const pixels = context.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const v = Math.max(0, Math.min(255, Math.round(data[i] * scale)));
      pixels.data.set([v, v, v, 255], 4 * i);
    }
    context.putImageData(pixels, 0, 0);
  }

  /** Viridis (matplotlib's default, the chapter's feature-map figures), at 9 stops. */
  const VIRIDIS = [
    [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
    [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
  ];

  function viridis(t) {
    const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
    const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
    const f = x - i;
    return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
  }

  /** Values as colours, each set on its own scale (lowest dark purple, highest yellow), as plots.layer_output draws them. */
  function paintScaled(canvas, values, width, height) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const pixels = context.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      pixels.data.set([...viridis(hi > lo ? (values[i] - lo) / (hi - lo) : 0), 255], 4 * i);
    }
    context.putImageData(pixels, 0, 0);
  }

  /** A drawing pad: white paper, black ink, mouse, touch and pen (pointer events). */
  function drawingPad(label, onChange) {
    const canvas = el("canvas", { className: "live-pad", width: 280, height: 280, role: "img", "aria-label": label });
    const context = canvas.getContext("2d");
    function clear() {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      canvas.dataset.empty = "true";
    }
    clear();
    let last = null;
    let timer = null;
    let lastRun = 0;
    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [((event.clientX - box.left) / box.width) * canvas.width, ((event.clientY - box.top) / box.height) * canvas.height];
    }
    /** Tell the page: now and then while drawing (``final`` false), always when a stroke ends. */
    function changed(final) {
      clearTimeout(timer);
      const wait = PREDICT_EVERY - (performance.now() - lastRun);
      if (final || wait <= 0) {
        lastRun = performance.now();
        onChange(canvas, final);
      } else {
        timer = setTimeout(() => changed(false), wait);
      }
    }
    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      dot(last, event);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!last) return;
      event.preventDefault();
      const next = point(event);
      stroke(last, next, event);
      last = next;
    });
    const end = () => {
      if (last) changed(true);
      last = null;
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    function width(event) {
      return PEN * (event.pointerType === "pen" && event.pressure ? 0.6 + event.pressure * 0.8 : 1);
    }
    function dot(at, event) {
      context.fillStyle = "#000";
      context.beginPath();
      context.arc(at[0], at[1], width(event) / 2, 0, 2 * Math.PI);
      context.fill();
      canvas.dataset.empty = "false";
    }
    function stroke(from, to, event) {
      context.strokeStyle = "#000";
      context.lineWidth = width(event);
      context.lineCap = "round";
      context.lineJoin = "round";
      context.beginPath();
      context.moveTo(...from);
      context.lineTo(...to);
      context.stroke();
      canvas.dataset.empty = "false";
      changed(false);
    }
    return { canvas, clear };
  }

  function pixelsOf(canvas) {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    return { width: data.width, height: data.height, data: data.data };
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
        const versions = app.runtime.scripts.map((s) => `${s.package.replace("@tensorflow/", "")} ${s.version}`).join(", ");
        const profile = app.manifest.models[0] ? app.manifest.models[0].profile : "?";
        text.textContent = `Ready: the networks this build trained (${profile} profile) run in your browser (TensorFlow.js: ${versions}).`;
      },
      failed(error) {
        bar.hidden = true;
        panel.classList.add("live-error");
        text.textContent = `The live part could not start: ${error.message}. The static figures below show what the build computed.`;
      },
    };
  }

  // ------------------------------------------------------------- own digit

  function probabilityBars(title) {
    const rows = Array.from({ length: 10 }, (_, k) => {
      const bar = el("span", { className: "live-bar" });
      const value = el("span", { className: "live-bar-value" });
      const row = el("div", { className: "live-bar-row" }, el("span", { className: "live-bar-label", text: String(k) }), el("span", { className: "live-bar-track" }, bar), value);
      return { row, bar, value };
    });
    const heading = el("div", { className: "live-network-title", text: title });
    const top = el("div", { className: "live-network-top", text: "–" });
    const box = el("figure", { className: "live-network", "aria-label": `${title}: class probabilities` }, heading, top, ...rows.map((r) => r.row));
    return {
      box,
      show(p) {
        const best = p.indexOf(Math.max(...p));
        rows.forEach((r, k) => {
          r.bar.style.width = `${(p[k] * 100).toFixed(1)}%`;
          r.value.textContent = percent(p[k]);
          r.row.classList.toggle("live-best", k === best);
        });
        top.textContent = `says ${best} (${percent(p[best])})`;
        box.setAttribute("aria-label", `${title}: ${best} with ${percent(p[best])}`);
      },
      showScores(scores) {
        // signed scores: bar length by size, the sign written out
        const largest = Math.max(...scores.map(Math.abs)) || 1;
        const best = scores.indexOf(Math.max(...scores));
        rows.forEach((r, k) => {
          r.bar.style.width = `${((Math.abs(scores[k]) / largest) * 100).toFixed(1)}%`;
          r.bar.classList.toggle("live-negative", scores[k] < 0);
          r.value.textContent = scores[k].toFixed(1);
          r.row.classList.toggle("live-best", k === best);
        });
        top.textContent = `highest: ${best}`;
      },
      clear() {
        rows.forEach((r) => {
          r.bar.style.width = "0";
          r.value.textContent = "";
          r.row.classList.remove("live-best");
        });
        top.textContent = "–";
      },
    };
  }

  function ownDigit(root, app) {
    const threshold = app.manifest.sure_probability;
    const message = el("p", { className: "live-message", role: "alert" });
    // what a screen reader hears: the verdict once per photo or finished stroke, not every update
    const announce = el("p", { className: "live-visually-hidden", "aria-live": "polite" });
    const verdictLine = el("p", { className: "live-verdict" });
    const steps = {};
    const stepFigures = STEP_VIEWS.map(([key, caption]) => {
      steps[key] = el("canvas", { className: "live-step", width: 28, height: 28, role: "img", "aria-label": caption });
      return el("figure", { className: "live-step-figure" }, steps[key], el("figcaption", { text: caption }));
    });
    const networks = {};
    for (const entry of app.manifest.models) networks[entry.name] = probabilityBars(entry.title);

    let latest = 0; // each input gets a number; a slow photo's result never replaces a newer one
    const pad = drawingPad("drawing pad: draw a digit with the mouse, a finger or a pen", (canvas, final) => {
      if (canvas.dataset.empty === "true") return;
      file.value = "";
      samples.value = "";
      run(pixelsOf(canvas), "your drawing", ++latest, final);
    });
    const clear = el("button", { type: "button", className: "live-button", text: "Clear the pad", onclick: () => { pad.clear(); latest++; reset(); } });
    const file = el("input", { type: "file", accept: "image/*", id: "live-photo", className: "live-file" });
    file.addEventListener("change", () => {
      if (file.files[0]) openPhoto(file.files[0]).finally(() => { file.value = ""; }); // the same file again works too
    });
    const samples = el("select", { id: "live-sample", className: "live-select" },
      el("option", { value: "", text: "a sample photo ..." }),
      ...app.photos.map((name) => el("option", { value: name, text: name.replace(/\.png$/, "").replace(/_/g, " ") })));
    samples.addEventListener("change", () => samples.value && openSample(samples.value));

    root.append(
      el("div", { className: "live-inputs" },
        el("div", { className: "live-input" }, el("p", { className: "live-label", text: "Draw a digit" }), pad.canvas, clear),
        el("div", { className: "live-input" },
          el("label", { for: "live-photo", className: "live-label", text: "Or choose a photo (on a phone: take one)" }), file,
          el("label", { for: "live-sample", className: "live-label", text: "Or try one of the course's sample photos" }), samples)),
      message,
      verdictLine,
      announce,
      el("div", { className: "live-networks" }, ...Object.values(networks).map((n) => n.box)),
      el("p", { className: "live-label live-steps-title", text: "What the networks see: the photo, step by step" }),
      el("div", { className: "live-steps", "aria-label": "the preprocessing steps" }, ...stepFigures),
    );

    function reset() {
      message.textContent = "";
      verdictLine.textContent = "";
      announce.textContent = "";
      Object.values(networks).forEach((n) => n.clear());
      Object.values(steps).forEach((c) => c.getContext("2d").clearRect(0, 0, c.width, c.height));
    }

    function fail(error) {
      reset();
      if (!(error instanceof LabDigits.DigitImageError)) console.warn("live part own-digit:", error);
      message.textContent = error instanceof LabDigits.DigitImageError ? error.message : `Something went wrong: ${error.message}`;
    }

    function show(result) {
      const s = result;
      paintGray(steps.gray, s.gray, 255);
      paintGray(steps.ink, s.ink, 255);
      paintGray(steps.flat, s.flat, 255);
      const selection = { width: s.mask.width, height: s.mask.height, data: new Float32Array(s.mask.data.length) };
      for (let i = 0; i < selection.data.length; i++) selection.data[i] = s.digitMask.data[i] ? 1 : 0.35 * s.mask.data[i];
      paintGray(steps.selection, selection, 255);
      paintGray(steps.stroked, s.stroked, 255);
      paintGray(steps.fitted, s.fitted, 255);
      paintGray(steps.digit, { width: 28, height: 28, data: s.digit }, 1);
    }

    function showPhoto(photo) {
      const full = el("canvas", { width: photo.width, height: photo.height });
      full.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(photo.data), photo.width, photo.height), 0, 0);
      const shrink = Math.min(1, 280 / Math.max(photo.width, photo.height));
      const thumb = steps.photo;
      thumb.width = Math.max(1, Math.round(photo.width * shrink));
      thumb.height = Math.max(1, Math.round(photo.height * shrink));
      thumb.getContext("2d").drawImage(full, 0, 0, thumb.width, thumb.height);
    }

    /** The pipeline and the networks on one input; ``final`` announces the verdict (end of a stroke, a photo). */
    function run(photo, name, number, final = true) {
      if (number !== latest) return null; // a newer input came first
      let result;
      try {
        result = LabDigits.preprocess(photo);
      } catch (error) {
        if (final) fail(error); // half a stroke is no digit yet: say so only when the stroke ends
        return null;
      }
      message.textContent = "";
      showPhoto(photo);
      show(result);
      const probabilities = {};
      for (const entry of app.manifest.models) {
        probabilities[entry.name] = predict(app, entry.name, result.digit)[0];
        networks[entry.name].show(probabilities[entry.name]);
      }
      const v = verdict(probabilities, threshold);
      verdictLine.textContent = `The networks on ${name}: ${verdictText(v)}`;
      verdictLine.classList.toggle("live-unsure", !v.sure);
      if (final) announce.textContent = verdictLine.textContent;
      api.last = { name, final, digit: Array.from(result.digit), probabilities: Object.fromEntries(Object.entries(probabilities).map(([k, p]) => [k, Array.from(p)])), verdict: v };
      if (api.firstPredictionAt === null) api.firstPredictionAt = performance.now();
      return api.last;
    }

    function decode(blob, name) {
      return new Promise((resolve, reject) => {
        const url = URL.createObjectURL(blob);
        const image = new Image();
        image.onload = async () => {
          try {
            // the size is known before the pixels are decoded: no decompression bomb
            LabDigits.checkSize(image.naturalWidth, image.naturalHeight, name);
            // the stored colour values, as PIL reads them (no colour-profile conversion), with the
            // EXIF rotation applied, as open_image does
            const bitmap = await createImageBitmap(blob, {
              imageOrientation: "from-image", colorSpaceConversion: "none", premultiplyAlpha: "none",
            });
            const canvas = el("canvas", { width: bitmap.width, height: bitmap.height });
            canvas.getContext("2d").drawImage(bitmap, 0, 0);
            bitmap.close();
            resolve(pixelsOf(canvas));
          } catch (error) {
            if (!(error instanceof LabDigits.DigitImageError)) console.warn(`decoding ${name}:`, error);
            reject(error instanceof LabDigits.DigitImageError ? error : LabDigits.notAnImage(name));
          } finally {
            URL.revokeObjectURL(url);
          }
        };
        image.onerror = () => {
          URL.revokeObjectURL(url);
          reject(LabDigits.notAnImage(name));
        };
        image.src = url;
      });
    }

    async function openPhoto(blob, name = "the upload") {
      const number = ++latest;
      try {
        LabDigits.checkFile(blob.size, name);
        const photo = await decode(blob, name);
        if (number !== latest) return null;
        if (name === "the upload") samples.value = "";
        return run(photo, name === "the upload" ? `your photo (${blob.name || "upload"})` : name, number);
      } catch (error) {
        if (number === latest) fail(error);
        return null;
      }
    }

    async function openSample(photoName) {
      samples.value = photoName;
      try {
        const response = await fetch(new URL(photoName, SAMPLE_PHOTOS));
        if (!response.ok) throw new Error(`could not load the sample photo ${photoName} (HTTP ${response.status})`);
        return await openPhoto(await response.blob(), `the sample photo ${photoName}`);
      } catch (error) {
        fail(error);
        return null;
      }
    }

    return { openPhoto, openSample, pad };
  }

  // ------------------------------------------------------ inside the layers

  function layerExplorer(root, app) {
    const name = root.dataset.model || "cnn";
    const model = app.models[name];
    if (!model) throw new Error(`this build exported no network named "${name}"`);
    const tf = app.tf;
    const outputs = tf.model({ inputs: model.inputs, outputs: model.layers.map((l) => l.output) });
    const drawn = el("option", { value: "", text: "your drawing", disabled: true });
    const choose = el("select", { id: "live-layers-digit", className: "live-select" }, drawn,
      ...app.manifest.samples.map((s, i) => el("option", { value: String(i), text: `test image ${s.index} (a ${s.label})` })));
    const first = app.manifest.samples.findIndex((s) => String(s.index) === root.dataset.index);
    choose.value = String(Math.max(0, first));
    const pad = drawingPad("drawing pad: draw a digit to see what every layer makes of it", (canvas, final) => {
      if (canvas.dataset.empty === "true") return;
      choose.value = ""; // the menu says what is shown: the drawing
      try {
        show(LabDigits.preprocess(pixelsOf(canvas)).digit, "your drawing");
      } catch (error) {
        if (final) message.textContent = error.message;
      }
    });
    pad.canvas.classList.add("live-pad-small");
    const message = el("p", { className: "live-message", role: "alert" });
    const layersBox = el("div", { className: "live-layers" });
    const clear = el("button", { type: "button", className: "live-button", text: "Clear the pad", onclick: () => {
      pad.clear();
      if (choose.value === "") { // the drawing was shown: go back to a test digit
        choose.value = String(Math.max(0, first));
        showSample();
      }
    } });
    choose.addEventListener("change", () => showSample());
    root.append(
      el("div", { className: "live-inputs" },
        el("div", { className: "live-input" }, el("label", { for: "live-layers-digit", className: "live-label", text: "Pick a test digit" }), choose),
        el("div", { className: "live-input" }, el("p", { className: "live-label", text: "or draw one" }), pad.canvas, clear)),
      message,
      layersBox,
    );

    function show(digit, title) {
      message.textContent = "";
      const values = tf.tidy(() => {
        const input = modelInputs(tf, digit, 1, "image");
        const result = outputs.predict(input);
        return (Array.isArray(result) ? result : [result]).map((t) => ({ shape: t.shape.slice(1), data: t.dataSync() }));
      });
      layersBox.replaceChildren(el("h4", { className: "live-layers-title", text: `Every layer of the ${name.toUpperCase()} on ${title}` }));
      const input = el("canvas", { className: "live-map live-map-input", role: "img", "aria-label": "the input image" });
      paintGray(input, { width: 28, height: 28, data: digit }, 1);
      layersBox.append(layerBlock("input", "28x28x1", [input]));
      model.layers.forEach((layer, i) => layersBox.append(renderLayer(layer, values[i])));
      api.explored = { title, layers: model.layers.map((l) => l.name) };
    }

    function layerBlock(name, shape, children, wide) {
      return el("section", { className: "live-layer" + (wide ? " live-layer-wide" : ""), "data-layer": name, "aria-label": `layer ${name}, output ${shape}` },
        el("div", { className: "live-layer-name", text: `${name}  ${shape}` }), el("div", { className: "live-maps" }, ...children));
    }

    function renderLayer(layer, { shape, data }) {
      const label = shape.join("x");
      if (shape.length === 3) {
        const [h, w, c] = shape;
        const maps = [];
        for (let k = 0; k < c; k++) {
          const map = new Float32Array(h * w);
          for (let i = 0; i < h * w; i++) map[i] = data[i * c + k];
          const canvas = el("canvas", { className: "live-map", role: "img", "aria-label": `${layer.name} feature map ${k + 1}` });
          paintScaled(canvas, map, w, h);
          maps.push(canvas);
        }
        return layerBlock(layer.name, label, maps);
      }
      if (data.length <= 10) {
        // ten scores (logits) or probabilities (softmax): bars, as in the static figures
        const bars = probabilityBars(layer.name === "softmax" ? "probabilities" : "scores (hatched: negative)");
        const values = Array.from(data);
        if (layer.name === "softmax") bars.show(values);
        else bars.showScores(values);
        return layerBlock(layer.name, label, [bars.box], true);
      }
      const strip = el("canvas", { className: "live-strip", role: "img", "aria-label": `${layer.name}: ${data.length} values as a strip of colours` });
      paintScaled(strip, data, data.length, 1);
      return layerBlock(layer.name, label, [strip], true);
    }

    function showSample() {
      const sample = app.manifest.samples[Number(choose.value)];
      show(Uint8Array.from(sample.pixels), `test image ${sample.index} (a ${sample.label})`);
    }

    return { show, showSample, pad };
  }

  // -------------------------------------------------------------- start-up

  const api = {
    ready: null,
    firstPredictionAt: null,
    last: null,
    explored: null,
    apps: {},
    /** Probabilities of a network for n digits (flat array of n*784 uint8): n arrays of 10 numbers. */
    async predict(name, digits, count) {
      const app = await load(() => {});
      return predict(app, name, Uint8Array.from(digits), count).map((p) => Array.from(p));
    },
  };
  window.LabLive = api;

  async function start(root) {
    const kind = root.dataset.liveApp;
    root.classList.add("live-app-running");
    const status = statusPanel();
    root.append(status.panel);
    let app;
    try {
      app = await load((fraction, bytes) => status.progress(fraction, bytes));
    } catch (error) {
      status.failed(error);
      throw error;
    }
    try {
      if (kind === "own-digit") {
        const own = ownDigit(root, app);
        api.apps[kind] = own;
        status.ready(app);
        const first = app.photos[0];
        if (first) await own.openSample(first); // something to look at before the reader does anything
      } else if (kind === "layers") {
        const explorer = layerExplorer(root, app);
        api.apps[kind] = explorer;
        status.ready(app);
        explorer.showSample();
        if (api.firstPredictionAt === null) api.firstPredictionAt = performance.now();
      } else {
        throw new Error(`unknown live part "${kind}"`);
      }
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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();
