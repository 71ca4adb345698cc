/*
 * Live part "layers" (chapter 3, "Inside the layers"): a test digit, or one
 * the reader draws, through the CNN; every layer's output shown as in the
 * chapter's static figures (labsupport.plots.layer_output).
 */
(function () {
  "use strict";

  const { el, modelInputs } = LabLive.util;
  const { paintGray, paintScaled, drawingPad, pixelsOf, probabilityBars } = LabLive.widgets;

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
      explorer.explored = { title, layers: model.layers.map((l) => l.name) };
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

    const explorer = { show, showSample, pad, explored: null };
    return explorer;
  }

  LabLive.register("layers", {
    needs: "networks",
    networks: (root) => [root.dataset.model || "cnn"], // the one it shows: the page fetches no other
    start(root, app) {
      const explorer = layerExplorer(root, app);
      explorer.showSample();
      LabLive.firstResult();
      return explorer;
    },
  });
})();
