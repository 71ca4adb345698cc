/*
 * Live part "augmentation" (chapter 5): the augmentation layer and the shift
 * experiment in the reader's hands.
 *
 * - Sliders for the augmentation ranges and a grid of random augmented
 *   versions of a test digit: labsupport.augment.RandomAffine, ported
 *   (randomParameters = its transforms' draws, affineMatrix =
 *   augment.affine_matrix, affineTransform = keras.ops.image.affine_transform
 *   as TensorFlow computes it: bilinear, constant fill).
 * - A shift pad: the digit moved as labsupport.inference.shift_images moves
 *   it (shiftImages), while the three networks answer.
 *
 * Every setting (ranges, their units, the order of the draws, the fill value,
 * the largest shift) comes from the export manifest, `manifest.augmentation`
 * (labsupport.webexport.augmentation_settings).
 */
(function () {
  "use strict";

  const { el, predict } = LabLive.util;
  const { probabilityBars, percent } = LabLive.widgets;

  /** MNIST's images are SIZE x SIZE pixels. */
  const SIZE = 28;
  /** The grid shows the digit and this many augmented versions (as the chapter's figure does). */
  const VERSIONS = 15;
  /** Positions of each slider between 0 and its range. */
  const SLIDER_STEPS = 40;

  // ------------------------------------------------------- the Python, ported

  /** uint8 pixels in a model's input format, as labsupport.data.model_inputs scales them. */
  function modelScale(digit, format) {
    const out = new Float32Array(digit.length);
    for (let i = 0; i < digit.length; i++) out[i] = format === "dense" ? digit[i] / 255 : (2 * digit[i]) / 255 - 1;
    return out;
  }

  /** Back from the input format to grey levels 0..255 (for drawing). */
  function pixelScale(values, format) {
    return Array.from(values, (v) => (format === "dense" ? v * 255 : ((v + 1) / 2) * 255));
  }

  /**
   * RandomAffine.transforms's draws for one image: each parameter uniform within its range, in the
   * exported order (``draws``). Rotation and shear in degrees, shifts in pixels, zooms as factors.
   * ``random(name)`` gives numbers in [0, 1), as Math.random does (the page replays a version's
   * numbers by the parameter's name, so that a slider at 0, which skips its draw, moves no other).
   */
  function randomParameters(ranges, draws, random, height, width) {
    const uniform = (name, low, high) => low + (high - low) * random(name);
    const how = {
      rotation: () => (ranges.rotation ? uniform("rotation", -ranges.rotation, ranges.rotation) : 0),
      shear: () => (ranges.shear ? uniform("shear", -ranges.shear, ranges.shear) : 0),
      shift_x: () => uniform("shift_x", -ranges.shift, ranges.shift) * width,
      shift_y: () => uniform("shift_y", -ranges.shift, ranges.shift) * height,
      zoom_x: () => uniform("zoom_x", 1 - ranges.zoom, 1 + ranges.zoom),
      zoom_y: () => uniform("zoom_y", 1 - ranges.zoom, 1 + ranges.zoom),
    };
    const parameters = {};
    for (const name of draws) {
      if (!how[name]) throw new Error(`the manifest names an augmentation parameter this page does not know: "${name}"`);
      parameters[name] = how[name]();
    }
    return parameters;
  }

  /**
   * labsupport.augment.affine_matrix: rotation @ shear @ zoom about the image centre, then the shift,
   * as the row [a0, a1, a2, b0, b1, b2, 0, 0] that maps an output pixel (x, y) to the input position it samples.
   */
  function affineMatrix(p, height, width) {
    const deg = Math.PI / 180;
    const theta = p.rotation * deg;
    const shear = p.shear * deg;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    // linear part: rotation @ shear @ zoom (the order ImageDataGenerator used)
    const a00 = c * p.zoom_x;
    const a01 = -(c * Math.sin(shear) + s * Math.cos(shear)) * p.zoom_y;
    const a10 = s * p.zoom_x;
    const a11 = (c * Math.cos(shear) - s * Math.sin(shear)) * p.zoom_y;
    // about the centre, then shifted
    const ox = (width - 1) / 2;
    const oy = (height - 1) / 2;
    const a2 = ox - a00 * ox - a01 * oy + c * p.shift_x - s * p.shift_y;
    const b2 = oy - a10 * ox - a11 * oy + s * p.shift_x + c * p.shift_y;
    return [a00, a01, a2, a10, a11, b2, 0, 0];
  }

  /**
   * keras.ops.image.affine_transform on one image ({width, height, data}), bilinear with fill_mode
   * "constant", as TensorFlow's ImageProjectiveTransformV3 computes it: each of the four neighbours
   * of a sampled position that lies outside the image counts as ``fillValue``.
   */
  function affineTransform(image, matrix, fillValue) {
    const { width, height, data } = image;
    const [a0, a1, a2, b0, b1, b2] = matrix;
    const read = (y, x) => (y >= 0 && y < height && x >= 0 && x < width ? data[y * width + x] : fillValue);
    const out = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inX = a0 * x + a1 * y + a2;
        const inY = b0 * x + b1 * y + b2;
        const x0 = Math.floor(inX);
        const y0 = Math.floor(inY);
        const top = (x0 + 1 - inX) * read(y0, x0) + (inX - x0) * read(y0, x0 + 1);
        const bottom = (x0 + 1 - inX) * read(y0 + 1, x0) + (inX - x0) * read(y0 + 1, x0 + 1);
        out[y * width + x] = (y0 + 1 - inY) * top + (inY - y0) * bottom;
      }
    }
    return { width, height, data: out };
  }

  /** RandomAffine on one image in its input format: {parameters, matrix, image}. */
  function randomAffine(image, ranges, random, settings) {
    const parameters = randomParameters(ranges, settings.draws, random, image.height, image.width);
    const matrix = affineMatrix(parameters, image.height, image.width);
    return { parameters, matrix, image: affineTransform(image, matrix, settings.fill_value) };
  }

  /**
   * labsupport.inference.shift_images on one digit (uint8, height x width): move it by ``pixels``
   * along axis 2 (columns: positive is right) or 1 (rows: positive is down), filling the uncovered
   * edge with ``fill``; nothing that leaves one side comes back on the other.
   */
  function shiftImages(digit, pixels, axis, fill = 0, height = SIZE, width = SIZE) {
    if (axis !== 1 && axis !== 2) throw new Error(`axis must be 1 (rows) or 2 (columns), got ${axis}`);
    const out = new Uint8Array(height * width).fill(fill);
    const n = axis === 2 ? width : height;
    if (Math.abs(pixels) >= n) return out;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const from = axis === 2 ? [y, x - pixels] : [y - pixels, x];
        if (from[0] >= 0 && from[0] < height && from[1] >= 0 && from[1] < width) out[y * width + x] = digit[from[0] * width + from[1]];
      }
    }
    return out;
  }

  // ------------------------------------------------------------- the page

  /** Grey levels 0..255 drawn as on paper (ink dark), as the chapter's figures draw them (gray_r). */
  function paintInk(canvas, pixels, width = SIZE, height = SIZE) {
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const image = context.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const v = 255 - Math.max(0, Math.min(255, Math.round(pixels[i])));
      image.data.set([v, v, v, 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
  }

  /** How each range reads on its slider, for the unit the port (affineMatrix) takes it in. */
  const SLIDERS = {
    rotation: { label: "Rotation up to", unit: "degrees", show: (v) => `${v.toFixed(1)}°` },
    shift: { label: "Shift up to", unit: "fraction of the size", show: (v) => `${(v * 100).toFixed(1)}% (${(v * SIZE).toFixed(1)} px)` },
    shear: { label: "Shear up to", unit: "degrees", show: (v) => `${v.toFixed(2)}°` },
    zoom: { label: "Zoom by up to", unit: "distance of the scale factor from 1", show: (v) => `±${(v * 100).toFixed(1)}%` },
  };

  function checkSettings(settings) {
    if (!settings) throw new Error("this build's manifest has no augmentation settings (rebuild the site)");
    for (const [key, slider] of Object.entries(SLIDERS)) {
      if (!((settings.ranges || {})[key] >= 0)) throw new Error(`the manifest's augmentation range "${key}" is not a number >= 0`);
      const unit = (settings.units || {})[key];
      if (unit !== slider.unit) throw new Error(`the manifest gives the ${key} in "${unit}"; this page reads it in "${slider.unit}"`);
    }
    if (!((settings.shift_pad || {}).max_pixels >= 1)) throw new Error("the manifest's largest shift is not a number >= 1");
    if (!Array.isArray(settings.draws)) throw new Error("the manifest does not say in which order the augmentation draws its parameters");
  }

  /**
   * The drawn parameters in words, as what happens to the digit: RandomAffine samples the input at
   * shifted and scaled places, so a positive shift moves the digit left (or up), and a zoom factor
   * above 1 makes it smaller (scaled by 1/zoom).
   */
  function describe(p) {
    const moved = (v, positive, negative) => (Math.abs(v) < 0.05 ? `0 px ${positive}` : `${Math.abs(v).toFixed(1)} px ${v > 0 ? positive : negative}`);
    return `rotation ${p.rotation.toFixed(1)}°, shear ${p.shear.toFixed(2)}°, ` +
      `moved ${moved(p.shift_x, "left", "right")} and ${moved(p.shift_y, "up", "down")}, ` +
      `scaled to ${(100 / p.zoom_x).toFixed(1)}% across and ${(100 / p.zoom_y).toFixed(1)}% down`;
  }

  function shiftText(dx, dy) {
    const across = dx === 0 ? "" : `${Math.abs(dx)} px ${dx > 0 ? "right" : "left"}`;
    const down = dy === 0 ? "" : `${Math.abs(dy)} px ${dy > 0 ? "down" : "up"}`;
    return across || down ? [across, down].filter(Boolean).join(" and ") : "not shifted";
  }

  function augmentationApp(root, app) {
    const settings = app.manifest.augmentation;
    checkSettings(settings);
    const format = settings.input_format;
    const exported = settings.ranges;
    const maxShift = settings.shift_pad.max_pixels;
    const samples = app.manifest.samples;
    const state = { sample: 0, digit: Uint8Array.from(samples[0].pixels), draws: [], dx: 0, dy: 0 };

    // the digit
    const choose = el("select", { id: "live-augmentation-digit", className: "live-select" },
      ...samples.map((s, i) => el("option", { value: String(i), text: `test image ${s.index} (a ${s.label})` })));
    choose.addEventListener("change", () => {
      state.sample = Number(choose.value);
      state.digit = Uint8Array.from(samples[state.sample].pixels);
      renderGrid();
      showShift();
    });

    // the sliders: 0 up to the range the augmented CNN trained with
    const sliders = {};
    const sliderRows = Object.entries(SLIDERS).map(([key, how]) => {
      const id = `live-augmentation-${key}`;
      const value = el("output", { for: id, className: "live-aug-value" });
      const input = el("input", {
        type: "range", id, className: "live-aug-range", min: 0, max: exported[key],
        step: exported[key] / SLIDER_STEPS || 1, value: exported[key], disabled: !exported[key],
      });
      input.addEventListener("input", () => {
        showSliders();
        renderGrid();
      });
      sliders[key] = { input, value, show: how.show };
      return el("div", { className: "live-aug-slider" },
        el("label", { for: id, text: how.label }), input, value,
        el("span", { className: "live-aug-trained", text: `trained with ${how.show(exported[key])}${key === "shear" ? " (the course's shear is tiny on purpose: barely visible)" : ""}` }));
    });
    const roll = el("button", { type: "button", className: "live-button", text: "Roll again", onclick: () => rollAgain() });
    const reset = el("button", { type: "button", className: "live-button", text: "Back to the trained ranges", onclick: () => {
      for (const [key, s] of Object.entries(sliders)) s.input.value = exported[key];
      showSliders();
      renderGrid();
    } });
    const grid = el("div", { className: "live-aug-grid", role: "list", "aria-label": "the digit and its augmented versions" });

    // the shift pad
    const padCanvas = el("canvas", { className: "live-shift-canvas", width: SIZE, height: SIZE });
    const pad = el("div", {
      className: "live-shift-pad", tabindex: 0, role: "group",
      "aria-roledescription": "shift pad", "aria-describedby": "live-shift-help",
      "aria-label": "the digit: the arrow keys move it, Home puts it back",
    }, padCanvas);
    const help = el("p", { id: "live-shift-help", className: "live-aug-help",
      text: `Drag the digit, or focus the pad and use the arrow keys (Home: back to the centre); up to ${maxShift} px each way.` });
    const axes = {};
    const axisRow = (key, label) => {
      const id = `live-shift-${key}`;
      const input = el("input", { type: "range", id, className: "live-aug-range", min: -maxShift, max: maxShift, step: 1, value: 0 });
      input.addEventListener("input", () => setShift(key === "dx" ? Number(input.value) : state.dx, key === "dy" ? Number(input.value) : state.dy));
      axes[key] = input;
      return el("div", { className: "live-aug-slider" }, el("label", { for: id, text: label }), input);
    };
    const where = el("p", { className: "live-shift-where" });
    const centre = el("button", { type: "button", className: "live-button", text: "Back to the centre", onclick: () => setShift(0, 0) });
    const announce = el("p", { className: "live-visually-hidden", "aria-live": "polite" });
    const networks = {};
    for (const entry of app.manifest.models) networks[entry.name] = probabilityBars(entry.title);

    root.append(
      el("div", { className: "live-input live-aug-digit" },
        el("label", { for: "live-augmentation-digit", className: "live-label", text: "Pick a test digit" }), choose),
      el("h4", { className: "live-aug-title", text: "Augmented versions, as the augmented CNN saw in training" }),
      el("div", { className: "live-aug-sliders" }, ...sliderRows),
      el("div", { className: "live-aug-buttons" }, roll, reset),
      grid,
      el("h4", { className: "live-aug-title", text: "The shift experiment: move the digit" }),
      el("div", { className: "live-inputs" },
        el("div", { className: "live-input live-shift-input" }, pad, help,
          axisRow("dx", "Right (−: left)"), axisRow("dy", "Down (−: up)"), where, centre),
        el("div", { className: "live-networks" }, ...Object.values(networks).map((n) => n.box))),
      announce,
    );

    function showSliders() {
      for (const s of Object.values(sliders)) s.value.textContent = s.show(Number(s.input.value));
    }

    /** The ranges on the sliders, never beyond the exported ones. */
    function ranges() {
      const out = {};
      for (const [key, s] of Object.entries(sliders)) out[key] = Math.min(Math.max(0, Number(s.input.value)), exported[key]);
      return out;
    }

    /** New random numbers for every version; the sliders then scale the same draws. */
    function rollAgain() {
      state.draws = Array.from({ length: VERSIONS }, () => Object.fromEntries(settings.draws.map((name) => [name, Math.random()])));
      renderGrid();
    }

    function renderGrid() {
      const current = ranges();
      const image = { width: SIZE, height: SIZE, data: modelScale(state.digit, format) };
      const original = el("canvas", { className: "live-aug-image", role: "img", "aria-label": "the original digit" });
      paintInk(original, state.digit);
      const figures = [el("figure", { className: "live-aug-figure", role: "listitem" }, original, el("figcaption", { text: "original" }))];
      state.versions = state.draws.map((numbers, i) => {
        const version = randomAffine(image, current, (name) => numbers[name], settings);
        const canvas = el("canvas", { className: "live-aug-image", role: "img", "aria-label": `version ${i + 1}: ${describe(version.parameters)}` });
        canvas.title = describe(version.parameters);
        paintInk(canvas, pixelScale(version.image.data, format));
        figures.push(el("figure", { className: "live-aug-figure", role: "listitem" }, canvas, el("figcaption", { text: `version ${i + 1}` })));
        return version;
      });
      grid.replaceChildren(...figures);
      api.grid = { ranges: current, versions: state.versions.map((v) => ({ parameters: v.parameters, matrix: v.matrix })) };
    }

    /** The digit moved by (dx, dy), as shift_images moves it: along the columns, then the rows. */
    function shifted(dx, dy) {
      const fill = settings.shift_pad.fill;
      return shiftImages(shiftImages(state.digit, dx, 2, fill), dy, 1, fill);
    }

    function setShift(dx, dy) {
      state.dx = Math.max(-maxShift, Math.min(maxShift, Math.round(dx)));
      state.dy = Math.max(-maxShift, Math.min(maxShift, Math.round(dy)));
      return showShift();
    }

    function showShift() {
      const { dx, dy } = state;
      const digit = shifted(dx, dy);
      paintInk(padCanvas, digit);
      axes.dx.value = dx;
      axes.dy.value = dy;
      where.textContent = `Shift: ${shiftText(dx, dy)}.`;
      const probabilities = {};
      for (const entry of app.manifest.models) {
        probabilities[entry.name] = Array.from(predict(app, entry.name, digit)[0]);
        networks[entry.name].show(probabilities[entry.name]);
      }
      const sayings = app.manifest.models.map((entry) => {
        const p = probabilities[entry.name];
        const best = p.indexOf(Math.max(...p));
        return `${entry.title} ${best} (${percent(p[best])})`;
      });
      announce.textContent = `${shiftText(dx, dy)}: ${sayings.join(", ")}`;
      api.last = { dx, dy, sample: samples[state.sample].index, digit: Array.from(digit), probabilities };
      return api.last;
    }

    // keys and dragging on the pad
    const KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    pad.addEventListener("keydown", (event) => {
      if (event.key === "Home") {
        event.preventDefault();
        setShift(0, 0);
      } else if (KEYS[event.key]) {
        event.preventDefault(); // the page does not scroll
        const [ddx, ddy] = KEYS[event.key];
        setShift(state.dx + ddx, state.dy + ddy);
      }
    });
    let drag = null;
    pad.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      pad.focus();
      pad.setPointerCapture(event.pointerId);
      drag = { x: event.clientX, y: event.clientY, dx: state.dx, dy: state.dy };
    });
    pad.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const cell = padCanvas.getBoundingClientRect().width / SIZE; // one image pixel on the screen
      const dx = drag.dx + Math.round((event.clientX - drag.x) / cell);
      const dy = drag.dy + Math.round((event.clientY - drag.y) / cell);
      if (dx !== state.dx || dy !== state.dy) setShift(dx, dy);
    });
    const endDrag = () => { drag = null; };
    pad.addEventListener("pointerup", endDrag);
    pad.addEventListener("pointercancel", endDrag);

    const api = {
      settings,
      ranges,
      rollAgain,
      setShift,
      /** The port on given parameters (the site test compares it with augment.affine_matrix and Keras). */
      transform(digit, parameters) {
        const matrix = affineMatrix(parameters, SIZE, SIZE);
        const image = affineTransform({ width: SIZE, height: SIZE, data: modelScale(Uint8Array.from(digit), format) }, matrix, settings.fill_value);
        return { matrix, data: Array.from(image.data) };
      },
      shiftImages: (digit, pixels, axis) => Array.from(shiftImages(Uint8Array.from(digit), pixels, axis, settings.shift_pad.fill)),
      grid: null,
      last: null,
    };
    showSliders();
    rollAgain();
    showShift();
    return api;
  }

  LabLive.register("augmentation", {
    needs: "networks",
    start(root, app) {
      const api = augmentationApp(root, app);
      LabLive.firstResult();
      return api;
    },
  });
})();
