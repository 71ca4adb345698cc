/*
 * Live part "train-dense" (chapter 1, "Train it yourself"): the reader trains the chapter's dense
 * network in the browser, on a compact MNIST subset the build ships
 * (labsupport.webexport.export_training_set), and watches its loss and accuracy beside the
 * build's own learning curves; then draws a digit (or, without a pointer, takes a held-out test
 * digit) and compares the two networks.
 *
 * The page itself needs only the manifest (needs: "manifest"): nothing heavy loads until the
 * reader presses Train. The training runs in a Web Worker (train-dense-worker.js), so the page
 * stays responsive; the worker loads TensorFlow.js, builds the exported architecture with fresh
 * weights, compiles it with the build's recipe (manifest.training) and reports as it trains.
 */
(function () {
  "use strict";

  const { el, fetchJson, runtimeName, HERE, STATIC, MODELS } = LabLive.util;
  const { drawingPad, paintGray, pixelsOf, probabilityBars, percent } = LabLive.widgets;
  const WORKER = new URL("train-dense-worker.js", HERE);
  const RUNTIME_JSON = new URL("vendor/runtime.json", STATIC);
  /** The network this part trains (a registry name). */
  const NETWORK = "dense";
  const SVG = "http://www.w3.org/2000/svg";

  /** An accuracy as a percentage with one decimal (a tenth of a point matters here). */
  function percentOf(p) {
    return `${(p * 100).toFixed(1)}%`;
  }

  function megabytes(bytes) {
    return `${(bytes / 1e6).toFixed(1)} MB`;
  }

  /** Thousands as "45k", images as the axis counts them. */
  function thousands(n) {
    if (n >= 1e6) return `${Number((n / 1e6).toFixed(2))}M`;
    return n >= 1000 ? `${Math.round(n / 1000)}k` : String(Math.round(n));
  }

  /** Everything the reader's click downloads: the runtime's scripts, the WebAssembly backend, the images, the build's network. */
  function downloadBytes(runtime, manifest, entry) {
    const scripts = runtime.scripts.reduce((s, f) => s + f.bytes, 0);
    const wasm = (runtime.backends || {}).wasm;
    const backend = wasm ? wasm.scripts.reduce((s, f) => s + f.bytes, 0) + (wasm.binaries[0] || { bytes: 0 }).bytes : 0;
    const network = entry.files.reduce((s, f) => s + f.bytes, 0);
    return scripts + backend + manifest.training_set.bytes + network;
  }

  // ------------------------------------------------------------------ charts

  /** Round tick values from lo to hi: about five steps of 1, 2, 2.5 or 5 times a power of ten. */
  function ticks(lo, hi) {
    const rough = (hi - lo) / 5 || 1;
    const power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough * 0.999);
    const values = [];
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) values.push(Number((k * step).toPrecision(12)) + 0);
    return values;
  }

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }

  /**
   * A line chart of curves against the training images seen (an SVG scaled to its box). Each series:
   * {points: [[images, value]], className, label}; ``markers`` draws a dot at every point.
   */
  function lineChart(title, yFormat) {
    const width = 360;
    const height = 220;
    const box = { left: 42, right: 18, top: 22, bottom: 34 };
    const node = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "live-train-chart", role: "img", "aria-label": title });
    function draw(series, xMax, yRange) {
      const [yMin, yMax] = yRange;
      const x = (v) => box.left + (Math.min(v, xMax) / xMax) * (width - box.left - box.right);
      const y = (v) => height - box.bottom - ((v - yMin) / (yMax - yMin || 1)) * (height - box.top - box.bottom);
      const parts = [svg("text", { x: box.left, y: 14, class: "live-train-chart-title" }, title)];
      for (const value of ticks(yMin, yMax)) {
        parts.push(svg("line", { x1: box.left, x2: width - box.right, y1: y(value), y2: y(value), class: "live-train-grid" }));
        parts.push(svg("text", { x: box.left - 4, y: y(value) + 4, class: "live-train-tick", "text-anchor": "end" }, yFormat(value)));
      }
      for (const value of ticks(0, xMax)) {
        parts.push(svg("text", { x: x(value), y: height - box.bottom + 14, class: "live-train-tick", "text-anchor": "middle" }, thousands(value)));
      }
      parts.push(svg("text", { x: (box.left + width - box.right) / 2, y: height - 4, class: "live-train-tick", "text-anchor": "middle" }, "training images seen"));
      for (const s of series) {
        const shown = s.points.filter(([px]) => px <= xMax);
        if (!shown.length) continue;
        const path = shown.map(([px, py], i) => `${i ? "L" : "M"}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join("");
        parts.push(svg("path", { d: path, class: `live-train-line ${s.className}` }));
        if (s.markers) for (const [px, py] of shown) parts.push(svg("circle", { cx: x(px), cy: y(py), r: 3, class: `live-train-dot ${s.className}` }));
      }
      node.replaceChildren(...parts);
    }
    return { node, draw };
  }

  /**
   * Make a button usable or not while it keeps the keyboard's focus: aria-disabled, not disabled (a
   * disabled button drops the focus to the page's start). Its click handler checks ``usable``.
   */
  function setUsable(button, on) {
    button.setAttribute("aria-disabled", String(!on));
  }

  function usable(button) {
    return button.getAttribute("aria-disabled") !== "true";
  }

  /** The legend under the charts: what each line is. */
  function legend(items) {
    return el("ul", { className: "live-train-legend" }, ...items.map(([className, text]) =>
      el("li", {}, el("span", { className: `live-train-swatch ${className}`, "aria-hidden": "true" }), text)));
  }

  // --------------------------------------------------------------- the part

  function trainDense(root, app, runtime) {
    const manifest = app.manifest;
    const entry = manifest.models.find((m) => m.name === NETWORK);
    const data = manifest.training_set;
    if (!entry) throw new Error(`this build exported no network named "${NETWORK}"`);
    if (!data) throw new Error("this build shipped no training images (its manifest has no training_set)");
    if (!manifest.training) throw new Error("this build's manifest has no training recipe");
    if (entry.inputs !== "dense") throw new Error(`the ${entry.title} wants "${entry.inputs}" inputs; this part feeds it flat pixels`);
    const history = entry.history || {};
    const planned = entry.browser_epochs * data.train;
    const total = downloadBytes(runtime, manifest, entry);

    const events = []; // every message from the worker, in order (the site tests read them)
    let worker = null;
    let stopped = false;
    let finished = false;
    let untrained = null;
    let buildOnTheSame = null; // the build's network on the same held-out images
    const reports = [];
    const tests = [];

    const trainButton = el("button", { type: "button", className: "live-button live-train-start",
      text: `Train the network here (downloads ${megabytes(total)})`, onclick: () => begin() });
    const stopButton = el("button", { type: "button", className: "live-button", text: "Stop", "aria-disabled": "true", onclick: () => toggle() });
    const credit = el("p", { className: "live-train-credit" },
      `The training images: ${data.train.toLocaleString("en")} MNIST training and ${data.test.toLocaleString("en")} held-out test images, shipped with this site. `,
      `${data.source.replace(/, CC BY-SA 3.0$/, "")}, `,
      el("a", { href: data.licence_url, text: "CC BY-SA 3.0" }), ".");
    // the progress line changes with every report: not a live region (a screen reader would hear it
    // twice a second); what matters is announced once, in `announce` and the result line
    const announce = el("p", { className: "live-visually-hidden", "aria-live": "polite" });
    const progress = el("p", { className: "live-train-progress" },
      `Press Train to download them and train the ${entry.title} in your browser (${entry.browser_epochs} epochs of `
      + `${data.train.toLocaleString("en")} images at most, in mini-batches of ${manifest.training.batch_size}).`);
    const result = el("p", { className: "live-train-result", "aria-live": "polite" });
    const lossChart = lineChart("Loss (cross-entropy)", (v) => String(Number(v.toFixed(2))));
    const accuracyChart = lineChart("Accuracy", (v) => `${Math.round(v * 100)}%`);
    const message = el("p", { className: "live-message", role: "alert" });

    const mineBars = probabilityBars("your network");
    const buildBars = probabilityBars(`the build's ${entry.title}`);
    // the comparison's own message line: a digit that cannot be classified is no training failure
    const compareMessage = el("p", { className: "live-message", role: "alert" });
    const padNote = el("p", { className: "live-train-pad-note" });
    let drawn = 0; // each request gets a number; an older answer never replaces a newer one
    let shownId = 0;
    let testIndex = -1; // the held-out test image last asked for (the button goes through them in turn)
    const pad = drawingPad("drawing pad: draw a digit for both networks", (canvas, final) => {
      if (canvas.dataset.empty === "true" || !worker) return;
      try {
        const digit = LabDigits.preprocess(pixelsOf(canvas)).digit;
        compareMessage.textContent = "";
        worker.postMessage({ type: "predict", id: ++drawn, pixels: Uint8Array.from(digit) });
      } catch (error) {
        if (final) compareMessage.textContent = error.message;
      }
    });
    pad.canvas.classList.add("live-pad-small");
    const clear = el("button", { type: "button", className: "live-button", text: "Clear the pad", onclick: () => clearPad() });
    const testButton = el("button", { type: "button", className: "live-button", text: "Use a held-out test digit",
      onclick: () => nextTestDigit() });
    const padBox = el("div", { className: "live-input" }, el("p", { className: "live-label", text: "Draw a digit, or take one of the test images" }),
      pad.canvas, padNote, el("div", { className: "live-train-pad-buttons" }, testButton, clear), compareMessage);
    // a stroke on a test digit starts a fresh drawing (capture: before the pad draws its first dot)
    padBox.addEventListener("pointerdown", (event) => {
      if (event.target === pad.canvas && pad.canvas.dataset.test) clearPad();
    }, true);
    const drawing = el("div", { className: "live-inputs live-train-draw", hidden: true },
      padBox, el("div", { className: "live-networks" }, mineBars.box, buildBars.box));

    root.append(
      el("div", { className: "live-train-controls" }, trainButton, stopButton),
      credit,
      progress,
      el("div", { className: "live-train-charts" }, lossChart.node, accuracyChart.node),
      legend([
        ["live-train-mine", "your network: training images (mean of the last batches)"],
        ["live-train-mine-test", "your network: held-out test images (after each epoch)"],
        ["live-train-build", `the build's network (${entry.profile} profile): training images (mean over the epoch)`],
        ["live-train-build-val", "the build's network: validation images (end of each epoch)"],
      ]),
      result,
      announce,
      message,
      drawing,
    );

    /** The build's curves from its history: one point per epoch, at the images it had seen by then. */
    function buildSeries(key) {
      const values = history.images_per_epoch ? history[key] || [] : [];
      return values.map((v, i) => [(i + 1) * history.images_per_epoch, v]);
    }

    /** Redraw the charts once per frame at most, however fast the worker reports. */
    let frameAsked = false;
    function redraw() {
      if (frameAsked) return;
      frameAsked = true;
      requestAnimationFrame(() => {
        frameAsked = false;
        const start = performance.now();
        draw();
        api.mainThreadMs.push(performance.now() - start);
      });
    }

    function draw() {
      const series = (key, testKey) => [
        { points: buildSeries(key), className: "live-train-build" },
        { points: buildSeries(`val_${key}`), className: "live-train-build-val", markers: true },
        { points: reports.map((r) => [r.images, r[key]]), className: "live-train-mine" },
        { points: tests.map((t) => [t.images, t[testKey]]), className: "live-train-mine-test", markers: true },
      ];
      const lossSeries = series("loss", "loss");
      const accuracySeries = series("accuracy", "accuracy");
      const values = (all) => all.flatMap((s) => s.points.filter(([x]) => x <= planned).map(([, v]) => v));
      const losses = values(lossSeries);
      const accuracies = values(accuracySeries);
      lossChart.draw(lossSeries, planned, [0, Math.ceil(Math.max(0.5, ...losses) * 10) / 10]);
      accuracyChart.draw(accuracySeries, planned, [Math.min(0.9, Math.floor(Math.min(...accuracies, 1) * 10) / 10), 1]);
      const last = tests[tests.length - 1];
      lossChart.node.setAttribute("aria-label", `Loss against the training images seen: the build's curves${last ? `, your network's test loss ${last.loss.toFixed(3)}` : ""}`);
      accuracyChart.node.setAttribute("aria-label", `Accuracy against the training images seen: the build's curves${last ? `, your network's test accuracy ${percentOf(last.accuracy)}` : ""}`);
    }

    function say(text) {
      progress.textContent = text;
    }

    function clearPad() {
      pad.clear();
      delete pad.canvas.dataset.test;
      padNote.textContent = "";
      mineBars.clear();
      buildBars.clear();
      compareMessage.textContent = "";
      shownId = ++drawn; // an answer still on its way is not shown
    }

    /** Both networks on the next held-out test image (the keyboard's way to compare them): the worker has the images. */
    function nextTestDigit() {
      if (!worker || drawing.hidden) return null;
      testIndex = (testIndex + 1) % data.test;
      const id = ++drawn;
      worker.postMessage({ type: "predict-test", id, index: testIndex });
      return id;
    }

    /** A 28x28 digit (ink 255 on 0) on the pad, as the pad shows ink: dark on white, each pixel a square. */
    function paintOnPad(pixels) {
      const small = el("canvas");
      paintGray(small, { width: 28, height: 28, data: pixels.map((v) => 255 - v) }, 1);
      const context = pad.canvas.getContext("2d");
      context.imageSmoothingEnabled = false;
      context.drawImage(small, 0, 0, pad.canvas.width, pad.canvas.height);
      pad.canvas.dataset.empty = "false";
    }

    /** Both networks' answers on the page; a test image is painted on the pad and named. */
    function showPrediction(m) {
      if (m.id < shownId) return; // a newer digit is already shown
      shownId = m.id;
      compareMessage.textContent = "";
      mineBars.show(m.mine);
      buildBars.show(m.build);
      api.lastPrediction = m;
      if (!m.test) {
        delete pad.canvas.dataset.test;
        padNote.textContent = "";
        return;
      }
      const { index, label, count, pixels } = m.test;
      paintOnPad(pixels);
      pad.canvas.dataset.test = String(index);
      padNote.textContent = `Held-out test image ${index + 1} of ${count.toLocaleString("en")} (a ${label}).`;
      const top = (p) => p.indexOf(Math.max(...p));
      announce.textContent = `${padNote.textContent} Your network says ${top(m.mine)} (${percent(m.mine[top(m.mine)])}); `
        + `the build's says ${top(m.build)} (${percent(m.build[top(m.build)])}).`;
    }

    async function begin() {
      if (worker) return;
      setUsable(trainButton, false); // keeps the focus: Stop takes it once the training has started
      say(`Loading TensorFlow.js and ${megabytes(data.bytes)} of training images ...`);
      worker = new Worker(WORKER);
      worker.onmessage = (event) => receive(event.data);
      worker.onerror = (event) => fail(new Error(event.message || "the training worker stopped"));
      worker.postMessage({
        type: "start",
        runtime,
        urls: { static: STATIC.href, vendor: new URL("vendor/", STATIC).href,
                model: new URL(entry.files.find((f) => f.path.endsWith(".json")).path, MODELS).href,
                data: new URL(data.path, MODELS).href },
        training: manifest.training,
        entry: { epochs: entry.browser_epochs },
        trainingSet: data,
      });
      api.startedAt = performance.now();
    }

    function toggle() {
      if (!worker || finished || !usable(stopButton)) return;
      if (stopped) {
        stopped = false;
        stopButton.textContent = "Stop";
        say("Training ...");
        announce.textContent = "Training goes on.";
        worker.postMessage({ type: "resume" });
      } else {
        setUsable(stopButton, false); // until the worker says it has stopped
        worker.postMessage({ type: "stop" });
      }
    }

    function fail(error) {
      setUsable(stopButton, false);
      message.textContent = `The training could not go on: ${error.message}`;
      say("Stopped by an error.");
    }

    function receive(m) {
      const start = performance.now();
      handle(m);
      api.mainThreadMs.push(performance.now() - start);
    }

    function handle(m) {
      events.push({ ...m, at: performance.now() });
      if (m.type === "loading") {
        say(m.what === "TensorFlow.js" ? "Loading TensorFlow.js ..." : `Downloading ${m.what}: ${Math.round(m.fraction * 100)}% of ${megabytes(data.bytes)}`);
      } else if (m.type === "ready") {
        api.architecture = m.architecture;
        api.recipe = m.recipe;
        api.backend = m.backend;
        setUsable(stopButton, true);
        if (document.activeElement === trainButton) stopButton.focus(); // the next thing a keyboard user may want
        drawing.hidden = false;
        say(`Training on ${m.train.toLocaleString("en")} images (${runtimeName(m.version, m.backend, m.simd)}) ...`);
        announce.textContent = "Training has started.";
      } else if (m.type === "batch") {
        reports.push(m);
        redraw();
        say(`Training: epoch ${m.epoch + 1} of ${entry.browser_epochs}, ${m.images.toLocaleString("en")} images seen; loss ${m.loss.toFixed(3)}, accuracy ${percentOf(m.accuracy)} on the last batches.`);
      } else if (m.type === "test") {
        if (m.epoch === 0) untrained = m;
        else tests.push(m);
        redraw();
        if (m.epoch > 0) {
          result.textContent = `Your network after ${m.epoch} epoch${m.epoch > 1 ? "s" : ""} (${m.images.toLocaleString("en")} images, `
            + `${m.seconds.toFixed(1)} s of training): ${percentOf(m.accuracy)} right on the ${data.test.toLocaleString("en")} held-out test images `
            + `(untrained: ${percentOf(untrained.accuracy)}). The build's ${entry.title} (${entry.profile} profile) `
            + `on the same images: ${percentOf(buildOnTheSame.accuracy)}.`;
        }
      } else if (m.type === "build-test") {
        buildOnTheSame = m;
      } else if (m.type === "stopped") {
        stopped = true;
        setUsable(stopButton, true);
        stopButton.textContent = "Resume";
        say(`Stopped after ${m.images.toLocaleString("en")} images (epoch ${m.epoch + 1}). Resume goes on from there; meanwhile you can draw a digit below, or take a held-out test digit.`);
        announce.textContent = progress.textContent;
      } else if (m.type === "done") {
        finished = true;
        setUsable(stopButton, false);
        if (document.activeElement === stopButton) testButton.focus(); // next: compare the two networks
        say(`Done: ${m.epoch} epochs, ${m.images.toLocaleString("en")} images in ${m.seconds.toFixed(1)} s of training. Draw a digit below, or take a held-out test digit, to compare your network with the build's.`);
        announce.textContent = progress.textContent;
      } else if (m.type === "prediction") {
        showPrediction(m);
      } else if (m.type === "error" && (m.during === "predict" || m.during === "predict-test")) {
        if (m.id >= shownId) compareMessage.textContent = `The networks could not classify this digit: ${m.message}`;
      } else if (m.type === "error") {
        fail(new Error(m.message));
      }
      for (const listener of listeners) listener(m);
    }

    const listeners = new Set();
    /** The next message from the worker that ``test(message)`` accepts (tests and the benchmark use it). */
    function next(test = () => true) {
      return new Promise((resolve, reject) => {
        const listener = (m) => {
          if (m.type === "error") {
            listeners.delete(listener);
            reject(new Error(m.message));
          } else if (test(m)) {
            listeners.delete(listener);
            resolve(m);
          }
        };
        listeners.add(listener);
      });
    }

    const api = {
      events, reports, tests, startedAt: null,
      /** Milliseconds of the page's main thread per message handled and per chart drawn (the tests read them). */
      mainThreadMs: [], architecture: null, recipe: null, backend: null, lastPrediction: null,
      downloadBytes: total,
      start: begin,
      stop() { if (!stopped) toggle(); },
      resume() { if (stopped) toggle(); },
      next,
      /** Both networks on the next held-out test image, as the button does: resolves to the "prediction" message. */
      nextTestDigit() {
        const id = nextTestDigit();
        return next((m) => m.type === "prediction" && m.id === id);
      },
      /** Probabilities of both networks for one digit (784 uint8). */
      predict(pixels) {
        const id = ++drawn;
        worker.postMessage({ type: "predict", id, pixels: Uint8Array.from(pixels) });
        return next((m) => m.type === "prediction" && m.id === id);
      },
      /** The URLs the worker fetched (a worker's requests are not in the page's resource timing). */
      workerResources() {
        worker.postMessage({ type: "resources" });
        return next((m) => m.type === "resources").then((m) => m.urls);
      },
    };
    draw();
    return api;
  }

  LabLive.register("train-dense", {
    needs: "manifest",
    async start(root, app) {
      const runtime = await fetchJson(RUNTIME_JSON, "the runtime list (this build has no JavaScript runtime: see the README)");
      const part = trainDense(root, app, runtime);
      LabLive.firstResult(); // the build's curves are on the page
      return part;
    },
  });
})();
