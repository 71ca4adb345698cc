/*
 * Live part "own-digit" (chapter 6): a drawing pad and a photo picker. Every
 * photo and every stroke update goes through LabDigits.preprocess (digits.js,
 * the port of labsupport/digits.py), in a worker (loader.js preprocessOffThread),
 * and the three networks; the page shows each step and the probabilities,
 * with the verdict of labsupport.inference.verdict.
 */
(function () {
  "use strict";

  const { el, predict, fetchJson, preprocessOffThread, yieldToPage, HERE } = LabLive.util;
  const { paintGray, drawingPad, pixelsOf, probabilityBars, percent } = LabLive.widgets;
  const SAMPLE_PHOTOS = new URL("samples/", HERE);

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

  /** A photo file's pixels, as PIL reads them (a clear DigitImageError for anything else). */
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
  function verdictText(v) {
    if (v.sure) return `a ${v.label} (${percent(v.probability)})`;
    return `unsure: ${v.label} (${percent(v.probability)}) or ${v.runnerUp} (${percent(v.runnerUpProbability)}); ${v.reason}`;
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
      runDrawing(pixelsOf(canvas), final);
    });

    // A drawing's pipeline runs off the main thread too, so the pen never waits for it; while one
    // stroke update is being prepared, only the newest waits (older ones are skipped, not queued).
    // Updates of the drawing share one input number, so each finished one shows until the next;
    // a photo or Clear takes a new number, and then no late update of the drawing shows.
    let drawingNumber = 0;
    let drawingBusy = false;
    let drawingNext = null;
    async function runDrawing(photo, final) {
      if (drawingNumber !== latest) drawingNumber = ++latest;
      drawingNext = { photo, final };
      if (drawingBusy) return;
      drawingBusy = true;
      try {
        while (drawingNext && drawingNumber === latest) {
          const { photo: next, final: last } = drawingNext;
          drawingNext = null;
          const prepared = await preprocessOffThread(next).catch((error) => error);
          await run(next, "your drawing", drawingNumber, last, prepared);
        }
      } finally {
        drawingBusy = false;
        drawingNext = null;
      }
    }

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

    /**
     * Show one input and the networks' answers; ``final`` announces the verdict (end of a stroke, a photo).
     * ``prepared``: the pipeline's result, or its error, computed off the main thread (preprocessOffThread).
     */
    async function run(photo, name, number, final, prepared) {
      if (number !== latest) return null; // a newer input came first
      if (prepared instanceof Error) {
        if (final) fail(prepared); // half a stroke is no digit yet: say so only when the stroke ends
        return null;
      }
      const result = prepared;
      message.textContent = "";
      // a photo, its steps, then the networks' answers, each in a task of its own: a phone stays
      // responsive (a drawing's strokes, frequent and small, go through at once)
      const pause = async () => final && (await yieldToPage(), number !== latest);
      showPhoto(photo);
      if (await pause()) return null;
      show(result);
      if (await pause()) return null;
      const probabilities = {};
      for (const entry of app.manifest.models) {
        probabilities[entry.name] = predict(app, entry.name, result.digit)[0];
        networks[entry.name].show(probabilities[entry.name]);
      }
      const v = verdict(probabilities, threshold);
      verdictLine.textContent = `The networks on ${name}: ${verdictText(v)}`;
      verdictLine.classList.toggle("live-unsure", !v.sure);
      if (final) announce.textContent = verdictLine.textContent;
      own.last = { name, final, digit: Array.from(result.digit), probabilities: Object.fromEntries(Object.entries(probabilities).map(([k, p]) => [k, Array.from(p)])), verdict: v };
      LabLive.firstResult();
      return own.last;
    }

    async function openPhoto(blob, name = "the upload", ready = null) {
      const number = ++latest;
      try {
        // ready: the photo already decoded and prepared (the first sample, while the page loaded)
        const { photo, prepared } = ready || await preparePhoto(blob, name);
        if (number !== latest) return null;
        if (name === "the upload") samples.value = "";
        return run(photo, name === "the upload" ? `your photo (${blob.name || "upload"})` : name, number, true, prepared);
      } catch (error) {
        if (number === latest) fail(error);
        return null;
      }
    }

    async function openSample(photoName, ready = null) {
      samples.value = photoName;
      try {
        if (ready instanceof Error) throw ready;
        const blob = ready ? null : await fetchSample(photoName);
        return await openPhoto(blob, `the sample photo ${photoName}`, ready);
      } catch (error) {
        fail(error);
        return null;
      }
    }

    const own = { openPhoto, openSample, pad, last: null };
    return own;
  }

  /** One of the course's sample photos, as a file. */
  async function fetchSample(photoName) {
    const response = await fetch(new URL(photoName, SAMPLE_PHOTOS));
    if (!response.ok) throw new Error(`could not load the sample photo ${photoName} (HTTP ${response.status})`);
    return response.blob();
  }

  /** A photo file decoded and through the pipeline: {photo, prepared} (prepared: the result or its error). */
  async function preparePhoto(blob, name) {
    LabDigits.checkFile(blob.size, name);
    const photo = await decode(blob, name);
    // a photo's pipeline is the page's heaviest work: off the main thread (loader.js)
    const prepared = await preprocessOffThread(photo).catch((error) => error);
    return { photo, prepared };
  }

  LabLive.register("own-digit", {
    needs: "networks",
    /** The sample photos' list and the first one, prepared while the runtime and networks load. */
    async early() {
      const samples = await fetchJson(new URL("index.json", SAMPLE_PHOTOS), "the sample photos").catch(() => ({ photos: [] }));
      const first = samples.photos[0];
      const ready = first ? await fetchSample(first).then((blob) => preparePhoto(blob, `the sample photo ${first}`))
        .catch((error) => error) : null;
      return { photos: samples.photos, first, ready };
    },
    async start(root, app) {
      const { photos, first, ready } = app.early instanceof Error || !app.early ? { photos: [] } : app.early;
      const own = ownDigit(root, { ...app, photos });
      if (first) await own.openSample(first, ready); // something to look at before the reader does anything
      return own;
    },
  });
})();
