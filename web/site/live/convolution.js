/*
 * Live part "convolution" (chapter 2, the convolution playground): a test
 * digit, or one the reader draws, and a 3x3 filter slid over it with the
 * padding and stride the reader picks. The response map is drawn in the
 * chapter's signed colour map (labsupport.plots.SIGNED_CMAP, symmetric
 * around 0, with its colour bar); pointing at or focusing an output pixel
 * shows its 3x3 window in the input and the nine products that make it.
 * Padding "same" is Keras's (padding="same" of a Conv2D layer): zeros so that
 * the output has ceil(n / s) pixels, the odd one at the bottom and right; at
 * stride 1 that is SciPy's mode="same" (p = (k - 1) / 2 on every side).
 *
 * Everything comes from the export manifest (labsupport.webexport
 * .convolution_settings): the hand-made filters (labsupport.filters.PRESETS),
 * the CNN's learned conv1 filters and the colour map's 256 colours. Needs no
 * TensorFlow.js: the arithmetic is a few loops (correlate2d below).
 */
(function () {
  "use strict";

  const { el } = LabLive.util;
  const { drawingPad, pixelsOf } = LabLive.widgets;

  /** The digits are 28x28; filters 3x3 (what the editor offers). */
  const SIZE = 28;
  const K = 3;
  /** Arrow keys in a weight's field change it by this much (with Shift: by 1). */
  const WEIGHT_STEP = 0.1;

  // ----------------------------------------------------------- the arithmetic

  /** Output size of a k x k filter on n x n pixels (the chapter's output_size): floor((n + 2p - k) / s) + 1. */
  function outputSize(n, k, padding = 0, stride = 1) {
    return Math.floor((n + 2 * padding - k) / stride) + 1;
  }

  /**
   * Zeros added along one axis of n pixels: [before, after] (top and bottom, or left and right).
   *
   * "valid" adds none. "same" follows Keras (TensorFlow's padding="same"): the output keeps
   * o = ceil(n / s) pixels, which takes max((o - 1) * s + k - n, 0) zeros in all; half of them
   * (rounded down) go before, the rest after. At stride 1 with an odd k that is (k - 1) / 2 on
   * each side, SciPy's mode="same"; at stride 2 on 28 pixels with k = 3 it is one zero, after.
   */
  function paddingOf(mode, k, n, stride = 1) {
    if (mode === "valid") return [0, 0];
    if (mode === "same") {
      const total = Math.max((Math.ceil(n / stride) - 1) * stride + k - n, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    }
    throw new Error(`padding must be "valid" or "same", not "${mode}"`);
  }

  /** The padding of an image on all four sides: {top, bottom, left, right}. */
  function paddingsOf(mode, k, image, stride = 1) {
    const [top, bottom] = paddingOf(mode, k, image.height, stride);
    const [left, right] = paddingOf(mode, k, image.width, stride);
    return { top, bottom, left, right };
  }

  /** The pixel at (row, col) of the zero-padded image (0 outside the image). */
  function paddedPixel(image, pad, row, col) {
    const r = row - pad.top;
    const c = col - pad.left;
    return r < 0 || c < 0 || r >= image.height || c >= image.width ? 0 : image.data[r * image.width + c];
  }

  /**
   * The window of output pixel (row, col) and its k*k multiply-adds.
   *
   * Returns {top, left} (the window's corner in the padded image), ``terms``
   * (row-major: {pixel, weight, product, padding}: whether that pixel is
   * padding) and ``sum``, the output value.
   */
  function windowAt(image, kernel, { padding = "valid", stride = 1 } = {}, row, col) {
    const k = kernel.length;
    const pad = paddingsOf(padding, k, image, stride);
    const top = row * stride;
    const left = col * stride;
    const terms = [];
    let sum = 0;
    for (let u = 0; u < k; u++) {
      for (let v = 0; v < k; v++) {
        const r = top + u;
        const c = left + v;
        const pixel = paddedPixel(image, pad, r, c);
        const product = pixel * kernel[u][v];
        const isPadding = r < pad.top || c < pad.left || r >= image.height + pad.top || c >= image.width + pad.left;
        terms.push({ pixel, weight: kernel[u][v], product, padding: isPadding });
        sum += product;
      }
    }
    return { top, left, terms, sum };
  }

  /**
   * Cross-correlation of an image with a filter at a stride, as a Keras Conv2D
   * layer computes it (one filter, no bias): padding "valid" or "same"
   * (paddingOf). At stride 1 that is scipy.signal.correlate2d (mode "valid" or
   * "same"); with "valid", a stride keeps every s-th row and column of it
   * (NumPy's ``[::s, ::s]``).
   *
   * ``image`` is {width, height, data} (pixel values, 0..255 for a digit),
   * ``kernel`` k rows of k numbers. Returns {width, height, padding
   * ({top, bottom, left, right}), data: Float64Array, row by row}.
   */
  function correlate2d(image, kernel, { padding = "valid", stride = 1 } = {}) {
    const k = kernel.length;
    if (!k || kernel.some((row) => row.length !== k)) throw new Error("the filter must be square");
    if (!Number.isInteger(stride) || stride < 1) throw new Error(`the stride must be a whole number of 1 or more, not ${stride}`);
    const pad = paddingsOf(padding, k, image, stride);
    // the chapter's formula, with the zeros before and after: floor((n + p_before + p_after - k) / s) + 1
    const height = Math.floor((image.height + pad.top + pad.bottom - k) / stride) + 1;
    const width = Math.floor((image.width + pad.left + pad.right - k) / stride) + 1;
    if (height < 1 || width < 1) throw new Error(`a ${k}x${k} filter does not fit a ${image.width}x${image.height} image`);
    const data = new Float64Array(width * height);
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) data[i * width + j] = windowAt(image, kernel, { padding, stride }, i, j).sum;
    }
    return { width, height, padding: pad, data };
  }

  /** The colour limit of a signed map, as plots.image_row draws one: the largest |value|, or 1 for all zeros. */
  function symmetricLimit(values) {
    let limit = 0;
    for (const v of values) limit = Math.max(limit, Math.abs(v));
    return limit || 1;
  }

  /** Which of n colours a value gets on [-limit, limit], as matplotlib's Colormap picks it (Normalize, then floor(t * n)). */
  function colourIndex(value, limit, n) {
    const t = (value + limit) / (2 * limit);
    return Math.max(0, Math.min(n - 1, Math.floor(t * n)));
  }

  /** A value's colour (#rrggbb) in the signed colour map's table. */
  function signedColour(value, limit, colours) {
    return colours[colourIndex(value, limit, colours.length)];
  }

  function rgb(hex) {
    return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  /** Values as colours of the signed colour map, one canvas pixel per value. */
  function paintSigned(canvas, values, width, height, limit, colours) {
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const pixels = context.createImageData(width, height);
    const table = colours.map(rgb);
    for (let i = 0; i < width * height; i++) pixels.data.set([...table[colourIndex(values[i], limit, table.length)], 255], 4 * i);
    context.putImageData(pixels, 0, 0);
  }

  /** A digit as the chapter draws it (gray_r: ink dark on white), zero padding ({top, bottom, left, right}) included. */
  function paintInput(canvas, image, pad) {
    const width = image.width + pad.left + pad.right;
    const height = image.height + pad.top + pad.bottom;
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const pixels = context.createImageData(width, height);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const v = 255 - Math.round(paddedPixel(image, pad, r, c));
        pixels.data.set([v, v, v, 255], 4 * (r * width + c));
      }
    }
    context.putImageData(pixels, 0, 0);
  }

  /** A number for the multiply-adds: whole numbers as they are, others to three significant digits. */
  function format(value) {
    if (Number.isInteger(value)) return String(value);
    const size = Math.abs(value);
    if (size >= 100) return value.toFixed(1);
    return String(Number(value.toPrecision(3)));
  }

  // ----------------------------------------------------------- the playground

  function playground(root, app) {
    const settings = app.manifest.convolution;
    if (!settings) throw new Error("this build's manifest has no convolution settings (rebuild the site)");
    const samples = app.manifest.samples;
    const colours = settings.colormap.colors;
    const learned = settings.learned;

    // --- the digit: a test digit or a drawing
    const drawn = el("option", { value: "", text: "your drawing", disabled: true });
    const digitMenu = el("select", { id: "live-conv-digit", className: "live-select" }, drawn,
      ...samples.map((s, i) => el("option", { value: String(i), text: `test image ${s.index} (a ${s.label})` })));
    const first = samples.findIndex((s) => String(s.index) === root.dataset.index);
    digitMenu.value = String(Math.max(0, first));
    const pad = drawingPad("drawing pad: draw a digit to filter it", (canvas, final) => {
      if (canvas.dataset.empty === "true") return;
      try {
        const digit = LabDigits.preprocess(pixelsOf(canvas)).digit;
        digitMenu.value = ""; // the menu says what is shown: the drawing
        setDigit({ width: SIZE, height: SIZE, data: Uint8Array.from(digit) }, "your drawing");
      } catch (error) {
        if (!(error instanceof LabDigits.DigitImageError)) console.warn("live part convolution:", error);
        if (final) say(error.message);
      }
    });
    pad.canvas.classList.add("live-pad-small");
    const clear = el("button", { type: "button", className: "live-button", text: "Clear the pad", onclick: () => {
      pad.clear();
      if (digitMenu.value === "") {
        digitMenu.value = String(Math.max(0, first));
        showSample();
      }
    } });
    digitMenu.addEventListener("change", () => showSample());

    // --- the filter: presets, learned filters and the nine weights
    const own = el("option", { value: "own", text: "your own (edited)", disabled: true });
    const handMade = el("optgroup", { label: "hand-made (chapter 2)" },
      ...settings.presets.map((p) => el("option", { value: `preset:${p.name}`, text: p.title })));
    const learnedGroup = el("optgroup", { label: `learned by the ${learned.model.toUpperCase()} (${learned.layer})` },
      ...(learned.kernels.length
        ? learned.kernels.map((_, i) => el("option", { value: `learned:${i}`, text: `${learned.layer} #${i}` }))
        : [el("option", { value: "", text: "none: this build trained no CNN", disabled: true })]));
    const filterMenu = el("select", { id: "live-conv-filter", className: "live-select" }, own, handMade, learnedGroup);
    filterMenu.addEventListener("change", () => usePreset(filterMenu.value));
    const fields = [];
    const editor = el("div", { className: "live-conv-kernel", role: "group", "aria-label": "the filter's nine weights" });
    for (let u = 0; u < K; u++) {
      for (let v = 0; v < K; v++) {
        const field = el("input", {
          type: "text", inputmode: "decimal", className: "live-conv-weight", autocomplete: "off", spellcheck: "false",
          "aria-label": `weight, row ${u + 1}, column ${v + 1}`,
        });
        field.addEventListener("input", () => edited());
        field.addEventListener("keydown", (event) => nudge(event, field));
        fields.push(field);
        editor.append(field);
      }
    }
    const swatch = el("canvas", { className: "live-conv-swatch", role: "img", "aria-label": "the filter in the signed colours" });
    const filterNote = el("p", { className: "live-conv-note" });

    // --- padding and stride
    function choice(name, legend, options, checked) {
      return el("fieldset", { className: "live-conv-choice" }, el("legend", { className: "live-label", text: legend }),
        ...options.map(([value, text]) => el("label", { className: "live-conv-option" },
          el("input", { type: "radio", name, value, checked: value === checked, onchange: () => update() }), ` ${text}`)));
    }
    const paddingChoice = choice("live-conv-padding", "Padding", [["valid", "valid (p = 0)"], ["same", "same (as Keras: o = \u2308n / s\u2309)"]], "same");
    const strideChoice = choice("live-conv-stride", "Stride", [["1", "s = 1"], ["2", "s = 2"]], "1");

    // --- what is shown
    const message = el("p", { className: "live-message", role: "alert" });
    const formula = el("p", { className: "live-conv-formula" });
    const inputCanvas = el("canvas", { className: "live-conv-canvas", role: "img", "aria-label": "the input digit" });
    const imageOutline = el("div", { className: "live-conv-outline", "aria-hidden": "true" });
    const windowBox = el("div", { className: "live-conv-window", "aria-hidden": "true" });
    const inputFrame = el("div", { className: "live-conv-frame" }, inputCanvas, imageOutline, windowBox);
    const inputCaption = el("figcaption");
    const mapCanvas = el("canvas", { className: "live-conv-canvas" });
    const cellBox = el("div", { className: "live-conv-cell", "aria-hidden": "true" });
    const mapFrame = el("div", {
      className: "live-conv-frame live-conv-map", tabindex: "0", role: "application",
      "aria-roledescription": "response map", "aria-describedby": "live-conv-keys",
    }, mapCanvas, cellBox);
    const mapCaption = el("figcaption");
    const colourBar = el("canvas", { className: "live-conv-colourbar", role: "img" });
    const barLabels = el("div", { className: "live-conv-bar-labels", "aria-hidden": "true" });
    const keys = el("p", { id: "live-conv-keys", className: "live-visually-hidden", text: "Arrow keys move to the next output pixel." });
    const details = el("div", { className: "live-conv-details" });
    const announce = el("p", { className: "live-visually-hidden", "aria-live": "polite" });

    root.append(
      el("div", { className: "live-inputs live-conv-inputs" },
        el("div", { className: "live-input" },
          el("label", { for: "live-conv-digit", className: "live-label", text: "Pick a test digit" }), digitMenu,
          el("p", { className: "live-label", text: "or draw one" }), pad.canvas, clear),
        el("div", { className: "live-input" },
          el("label", { for: "live-conv-filter", className: "live-label", text: "Filter" }), filterMenu,
          el("p", { className: "live-label", text: "or type its weights" }),
          el("div", { className: "live-conv-editor" }, editor, swatch), filterNote,
          el("div", { className: "live-conv-settings" }, paddingChoice, strideChoice))),
      message,
      formula,
      el("div", { className: "live-conv-maps" },
        el("figure", { className: "live-conv-figure" }, inputFrame, inputCaption),
        el("figure", { className: "live-conv-figure" }, mapFrame,
          el("div", { className: "live-conv-bar" }, colourBar, barLabels), mapCaption, keys),
        details),
      announce,
    );

    // --- state
    const state = { image: null, title: "", kernel: null, padding: "same", stride: 1, output: null, limit: 1, row: 0, col: 0 };

    function say(text) {
      message.textContent = text;
    }

    function showSample() {
      const sample = samples[Number(digitMenu.value)];
      setDigit({ width: SIZE, height: SIZE, data: Uint8Array.from(sample.pixels) }, `test image ${sample.index} (a ${sample.label})`);
    }

    function setDigit(image, title) {
      state.image = image;
      state.title = title;
      update();
    }

    function kernelOf(value) {
      const [kind, key] = value.split(":");
      if (kind === "preset") return settings.presets.find((p) => p.name === key).kernel;
      if (kind === "learned") return learned.kernels[Number(key)];
      return null;
    }

    function usePreset(value) {
      const kernel = kernelOf(value);
      if (!kernel) return;
      filterMenu.value = value;
      kernel.flat().forEach((w, i) => {
        fields[i].value = format(w); // rounded to read; the exact weight is kept while the field is not edited
        fields[i].dataset.exact = String(w);
        fields[i].removeAttribute("aria-invalid");
      });
      state.kernel = kernel.map((row) => row.slice());
      filterNote.textContent = value.startsWith("learned:")
        ? `Like every filter here, it is applied to the pixel values 0 to 255, as in this chapter's figures (the ${learned.model.toUpperCase()} itself sees them scaled to -1 to 1, and adds a bias).`
        : "";
      update();
    }

    /** The nine fields as a 3x3 filter, or a message naming the first field that holds no number. */
    function readKernel() {
      const kernel = [];
      for (let u = 0; u < K; u++) {
        kernel.push([]);
        for (let v = 0; v < K; v++) {
          const field = fields[u * K + v];
          const text = field.value.trim().replace("\u2212", "-").replace(",", ".");
          const exact = field.dataset.exact === undefined ? NaN : Number(field.dataset.exact);
          const weight = field.value === format(exact) ? exact : text === "" ? NaN : Number(text);
          field.toggleAttribute("aria-invalid", !Number.isFinite(weight));
          if (!Number.isFinite(weight)) {
            return { error: `The weight in row ${u + 1}, column ${v + 1} ("${field.value}") is not a number: type one, e.g. 0.5 or -2.` };
          }
          kernel[u].push(weight);
        }
      }
      return { kernel };
    }

    function edited() {
      filterMenu.value = "own";
      filterNote.textContent = "";
      const { kernel, error } = readKernel();
      if (error) {
        say(error);
        return;
      }
      state.kernel = kernel;
      update();
    }

    function nudge(event, field) {
      if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
      const now = Number(field.value.trim().replace("\u2212", "-").replace(",", "."));
      delete field.dataset.exact;
      if (!Number.isFinite(now)) return;
      event.preventDefault();
      const step = (event.shiftKey ? 1 : WEIGHT_STEP) * (event.key === "ArrowUp" ? 1 : -1);
      field.value = String(Number((now + step).toFixed(6)));
      edited();
    }

    /** Recompute the response map for the current digit, filter, padding and stride, and show it. */
    function update() {
      if (!state.image || !state.kernel) return;
      state.padding = root.querySelector("input[name=live-conv-padding]:checked").value;
      state.stride = Number(root.querySelector("input[name=live-conv-stride]:checked").value);
      say("");
      const output = correlate2d(state.image, state.kernel, { padding: state.padding, stride: state.stride });
      const limit = symmetricLimit(output.data);
      if (!Number.isFinite(limit)) {
        say("These weights are too large: the response map overflows. Use smaller ones.");
        state.kernel = state.shownKernel; // the map shown stays that of the last good filter
        return;
      }
      state.shownKernel = state.kernel;
      const firstTime = !state.output;
      state.output = output;
      state.limit = limit;
      if (firstTime) {
        // start at the strongest response: something to look at
        let best = 0;
        output.data.forEach((v, i) => { if (Math.abs(v) > Math.abs(output.data[best])) best = i; });
        state.row = Math.floor(best / output.width);
        state.col = best % output.width;
      }
      state.row = Math.min(state.row, output.height - 1);
      state.col = Math.min(state.col, output.width - 1);
      showFormula();
      const zeros = output.padding;
      paintInput(inputCanvas, state.image, zeros);
      const [width, height] = paddedSize(zeros);
      place(imageOutline, zeros.left, zeros.top, state.image.width, state.image.height, width, height);
      imageOutline.hidden = !(zeros.top || zeros.bottom || zeros.left || zeros.right);
      inputCaption.textContent = `${state.title}${imageOutline.hidden ? "" : `, with ${zerosText(zeros)} (outside the dashed line)`}`;
      inputCanvas.setAttribute("aria-label", `the input: ${inputCaption.textContent}`);
      paintSigned(mapCanvas, output.data, output.width, output.height, state.limit, colours);
      showColourBar();
      mapCaption.textContent = `the response map, ${output.width}x${output.height} (red positive, blue negative, white 0)`;
      mapFrame.setAttribute("aria-label", `${mapCaption.textContent}; arrow keys choose an output pixel`);
      paintSwatch();
      select(state.row, state.col, false);
      LabLive.firstResult();
    }

    /** The padded image's width and height. */
    function paddedSize(zeros) {
      return [state.image.width + zeros.left + zeros.right, state.image.height + zeros.top + zeros.bottom];
    }

    /** Where the zeros are, in words: "1 pixel of zeros around it", "1 row and column of zeros at the bottom and right". */
    function zerosText(zeros) {
      const { top, bottom, left, right } = zeros;
      if (top === bottom && left === right && top === left) return `${top} pixel${top > 1 ? "s" : ""} of zeros around it`;
      if (top === 0 && left === 0 && bottom === right) return `${bottom} row and column of zeros at the bottom and right only`;
      return `zeros: ${top} above, ${bottom} below, ${left} left, ${right} right`;
    }

    /**
     * The output size with n, k, s and the padding filled in: the chapter's formula for "valid" and for a
     * symmetric "same"; Keras's rule for "same" first (o = ceil(n / s), and the zeros that takes).
     */
    function showFormula() {
      const n = state.image.width;
      const zeros = state.output.padding;
      const s = state.stride;
      const o = state.output.width;
      const size = `so the response map is ${o}x${state.output.height}.`;
      if (state.padding === "valid") {
        formula.textContent = `Output size: o = \u230A(n + 2p \u2212 k) / s\u230B + 1 = \u230A(${n} + 2\u00B70 \u2212 ${K}) / ${s}\u230B + 1 = ${o}, ${size}`;
        return;
      }
      const total = zeros.left + zeros.right;
      const rule = `Padding "same" (as Keras): o = \u2308n / s\u2309 = \u2308${n} / ${s}\u2309 = ${Math.ceil(n / s)}, ` +
        `which takes max((o \u2212 1)\u00B7s + k \u2212 n, 0) = max(${Math.ceil(n / s) - 1}\u00B7${s} + ${K} \u2212 ${n}, 0) = ${total} zero${total === 1 ? "" : "s"} per row and column`;
      if (zeros.left === zeros.right) {
        formula.textContent = `${rule}, p = ${zeros.left} on each side: o = \u230A(n + 2p \u2212 k) / s\u230B + 1 = ` +
          `\u230A(${n} + 2\u00B7${zeros.left} \u2212 ${K}) / ${s}\u230B + 1 = ${o}, ${size}`;
      } else {
        const where = zeros.left ? `${zeros.left} before and ${zeros.right} after (the odd one at the bottom and right)` : "put at the bottom and right";
        formula.textContent = `${rule}, ${where}: ` +
          `o = \u230A(n + ${zeros.left} + ${zeros.right} \u2212 k) / s\u230B + 1 = \u230A(${n} + ${zeros.left} + ${zeros.right} \u2212 ${K}) / ${s}\u230B + 1 = ${o}, ${size}`;
      }
    }

    function showColourBar() {
      const steps = colours.length;
      paintSigned(colourBar, Array.from({ length: steps }, (_, i) => -state.limit + ((i + 0.5) / steps) * 2 * state.limit), steps, 1, state.limit, colours);
      const limit = format(state.limit);
      barLabels.replaceChildren(el("span", { text: `-${limit}` }), el("span", { text: "0" }), el("span", { text: limit }));
      colourBar.setAttribute("aria-label", `colour bar: blue -${limit}, white 0, red ${limit}`);
    }

    function paintSwatch() {
      paintSigned(swatch, state.kernel.flat(), K, K, symmetricLimit(state.kernel.flat()), colours);
    }

    /** Position a box over a canvas of ``width`` x ``height`` cells, in percentages (the canvases scale with the page). */
    function place(box, left, top, w, h, width, height) {
      Object.assign(box.style, {
        left: `${(100 * left) / width}%`, top: `${(100 * top) / height}%`,
        width: `${(100 * w) / width}%`, height: `${(100 * h) / height}%`,
      });
    }

    /** Show output pixel (row, col): its cell in the map, its window in the input, the nine multiply-adds. */
    function select(row, col, spoken = false) {
      const output = state.output;
      state.row = Math.max(0, Math.min(output.height - 1, row));
      state.col = Math.max(0, Math.min(output.width - 1, col));
      const win = windowAt(state.image, state.kernel, { padding: state.padding, stride: state.stride }, state.row, state.col);
      const [width, height] = paddedSize(output.padding);
      place(windowBox, win.left, win.top, K, K, width, height);
      place(cellBox, state.col, state.row, 1, 1, output.width, output.height);
      const value = output.data[state.row * output.width + state.col];
      details.replaceChildren(
        el("p", { className: "live-label live-conv-pixel", text: `Output pixel row ${state.row + 1}, column ${state.col + 1}: ${format(value)}` }),
        el("div", { className: "live-conv-sums" },
          matrix("window of the input", win.terms.map((t) => t.pixel), win.terms.map((t) => t.padding)),
          el("span", { className: "live-conv-op", text: "\u00D7" }),
          matrix("filter", win.terms.map((t) => t.weight)),
          el("span", { className: "live-conv-op", text: "\u2192" }),
          matrix("products", win.terms.map((t) => t.product))),
        el("p", { className: "live-conv-sum", text: `sum of the nine products: ${win.terms.map((t) => format(t.product)).join(" + ").replace(/\+ -/g, "- ")} = ${format(win.sum)}` }),
      );
      if (spoken) announce.textContent = `row ${state.row + 1}, column ${state.col + 1}: ${format(value)}`;
      shown.selected = { row: state.row, col: state.col, top: win.top, left: win.left, value, sum: win.sum,
        window: win.terms.map((t) => t.pixel), products: win.terms.map((t) => t.product) };
    }

    function matrix(caption, values, padding = []) {
      const rows = [];
      for (let u = 0; u < K; u++) {
        rows.push(el("tr", {}, ...values.slice(u * K, u * K + K).map((v, j) =>
          el("td", { className: padding[u * K + j] ? "live-conv-pad" : "", text: format(v) }))));
      }
      return el("table", { className: "live-conv-matrix" }, el("caption", { text: caption }), el("tbody", {}, ...rows));
    }

    // --- pointing at and moving through the map
    function cellAt(event) {
      const box = mapCanvas.getBoundingClientRect();
      const col = Math.floor(((event.clientX - box.left) / box.width) * state.output.width);
      const row = Math.floor(((event.clientY - box.top) / box.height) * state.output.height);
      return [row, col];
    }
    mapFrame.addEventListener("pointermove", (event) => state.output && select(...cellAt(event)));
    mapFrame.addEventListener("pointerdown", (event) => state.output && select(...cellAt(event)));
    mapFrame.addEventListener("keydown", (event) => {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const move = moves[event.key];
      if (!move || !state.output) return;
      event.preventDefault();
      select(state.row + move[0], state.col + move[1], true);
    });

    const shown = {
      /** What the page shows now: the input, the filter, the settings and the response map (for the tests). */
      get state() {
        const o = state.output;
        return {
          title: state.title, image: Array.from(state.image.data), kernel: state.kernel, padding: state.padding,
          stride: state.stride, limit: state.limit, output: { width: o.width, height: o.height, data: Array.from(o.data) },
          formula: formula.textContent,
        };
      },
      selected: null,
    };

    return { correlate2d, outputSize, paddingOf, windowAt, signedColour, shown, select, usePreset, showSample, pad };
  }

  LabLive.register("convolution", {
    needs: "manifest",
    start(root, app) {
      const part = playground(root, app);
      const first = app.manifest.convolution.presets[0];
      part.showSample();
      part.usePreset(`preset:${first.name}`);
      return part;
    },
  });
})();
