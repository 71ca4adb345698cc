/*
 * The widgets the live parts share: grey and colour-mapped images on canvases,
 * the drawing pad and probability bars. Each live part's script uses them
 * through `LabLive.widgets` (loader.js runs first).
 */
(function () {
  "use strict";

  const { el } = LabLive.util;

  /**
   * While drawing, the page hears of it at most this often (ms: a 60 Hz pointer's pace), or, when
   * what it does takes longer, after twice that long, so the pen keeps half of the time; always
   * when a stroke ends. With the WebAssembly backend the three networks answer a drawn digit in
   * about 4 ms (tools/benchmarks/live_latency.py), so predictions follow the pointer.
   */
  const PREDICT_EVERY = 16;
  /** Pen width on the 280x280 pad, in pixels. */
  const PEN = 18;

  /** A probability as a percentage; never "100%" or "0%" for what is not exactly 1 or 0. */
  function percent(p) {
    if (p > 0.995 && p < 1) return ">99%";
    if (p > 0 && p < 0.005) return "<1%";
    return `${Math.round(p * 100)}%`;
  }

  /** Draw a grey image ({width, height, data} in [0, 1] or 0..255) into a canvas, pixel for pixel. */
  function paintGray(canvas, image, scale = 1) {
    const { width, height, data } = image;
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const pixels = context.createImageData(width, height);
    const out = pixels.data; // written in place: no array per pixel (the steps of a photo are 400x400)
    for (let i = 0, j = 0; i < width * height; i++, j += 4) {
      const v = Math.max(0, Math.min(255, Math.round(data[i] * scale)));
      out[j] = out[j + 1] = out[j + 2] = v;
      out[j + 3] = 255;
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
    let cost = 0; // ms the page took to answer the last change
    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [((event.clientX - box.left) / box.width) * canvas.width, ((event.clientY - box.top) / box.height) * canvas.height];
    }
    /** Tell the page: now and then while drawing (``final`` false), always when a stroke ends. */
    function changed(final) {
      clearTimeout(timer);
      const wait = Math.max(PREDICT_EVERY, 2 * cost) - (performance.now() - lastRun);
      if (final || wait <= 0) {
        lastRun = performance.now();
        onChange(canvas, final);
        cost = performance.now() - lastRun;
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

  // --------------------------------------------------------- probability bars

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

  LabLive.widgets = { paintGray, viridis, paintScaled, drawingPad, pixelsOf, probabilityBars, percent };
})();
