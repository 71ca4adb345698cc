/*
 * The Web Worker of the live part "train-dense" (chapter 1, train-dense.js): it trains the
 * chapter's dense network in the reader's browser, off the page's main thread, so the page
 * stays responsive while it computes.
 *
 * Everything it uses comes from the build, through the page (nothing is copied in here):
 *   - the runtime: the scripts of _static/vendor/runtime.json (TensorFlow.js core, CPU backend,
 *     layers, and the WebAssembly backend where the build ships it);
 *   - the architecture: the exported dense network's model.json topology (its layers, units and
 *     activations), built with fresh weights (TensorFlow.js's default initialisers are Keras's:
 *     Glorot-uniform kernels, zero biases);
 *   - the recipe: manifest.training (labsupport.train.compile_classifier's optimizer and loss,
 *     the profile's batch size) and the network's epoch budget (manifest.models[].epochs);
 *   - the data: manifest.training_set (labsupport.webexport.export_training_set: gzip of uint8
 *     images and labels, offsets in `parts`), scaled as labsupport.data.dense_inputs does.
 *
 * Messages from the page: {type: "start", ...settings} (load, build, then train), "stop",
 * "resume", {type: "predict", id, pixels} (the reader's network and the build's on one drawn
 * digit), {type: "predict-test", id, index} (the same on one held-out test image, for a reader
 * without a pointer), {type: "resources"} (what this worker fetched: the site tests check nothing left the
 * site). Messages to the page: "loading", "ready", "batch" (loss and accuracy over the last
 * batches), "test" (accuracy on the held-out test images: before training and after every epoch),
 * "build-test" (the build's trained network on the same images), "stopped", "done", "prediction",
 * "resources", "error" (with ``during``: the type of the message that failed, and its ``id``).
 */
"use strict";

/** Backends to train on, fastest first. Measured on the build machine (2 cores, Node.js 20 with the same
 *  bundles, this network, batch 128, the machine busy with other work): WebAssembly with SIMD under 20 ms
 *  a training step, TensorFlow.js's plain-JavaScript CPU backend about 280 ms. WebGL is left out: in a worker it needs OffscreenCanvas,
 *  and for a network this small its per-kernel overhead outweighs the arithmetic (see loader.js). */
const BACKENDS = ["wasm", "cpu"];
/** The page hears the training loss and accuracy every this many batches (their mean over them). */
const REPORT_EVERY = 10;
/** The loss names of Keras (labsupport.train) and TensorFlow.js's names for the same losses. */
const LOSSES = { sparse_categorical_crossentropy: "sparseCategoricalCrossentropy" };

const state = {
  tf: null, model: null, build: null, settings: null, data: null,
  epoch: 0, position: 0, order: null, step: 0, images: 0, trainSeconds: 0,
  running: false, stopAsked: false, finished: false,
};

function post(message) {
  self.postMessage(message);
}

// ----------------------------------------------------------------- loading

/** Fetch one file, telling the page how far it is (fraction of ``bytes``). */
async function fetchBytes(url, what, bytes) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`could not load ${what} (${error.message})`);
  }
  if (!response.ok) throw new Error(`could not load ${what} (HTTP ${response.status})`);
  const reader = response.body.getReader();
  const chunks = [];
  let done = 0;
  let told = -1;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    chunks.push(value);
    done += value.length;
    const percent = Math.floor((100 * Math.min(1, done / bytes)));
    if (percent >= told + 5) { // every 5 %: enough for a progress line
      told = percent;
      post({ type: "loading", what, fraction: percent / 100 });
    }
  }
  const all = new Uint8Array(done);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/** Bytes as shipped: gunzipped where they are gzip (a server may already have decompressed them). */
async function gunzip(bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  if (typeof DecompressionStream !== "function") {
    throw new Error("this browser cannot decompress the training images (it has no DecompressionStream)");
  }
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(`the training images are damaged: they do not decompress (${error.message})`);
  }
}

/** The training set's parts (labsupport.webexport.export_training_set), checked against the manifest. */
async function loadTrainingSet(url, entry) {
  const raw = await gunzip(await fetchBytes(url, "the training images", entry.bytes));
  if (raw.length !== entry.uncompressed_bytes) {
    throw new Error(`the training images have ${raw.length} bytes, the manifest says ${entry.uncompressed_bytes}`);
  }
  const parts = {};
  for (const part of entry.parts) {
    const size = part.shape.reduce((a, b) => a * b, 1);
    parts[part.name] = raw.subarray(part.offset, part.offset + size);
  }
  return parts;
}

/** Pixels (uint8) in the dense network's input format: flat, divided by 255 (labsupport.data.dense_inputs). */
function denseInputs(tf, pixels, count) {
  const values = new Float32Array(count * 784);
  for (let i = 0; i < values.length; i++) values[i] = pixels[i] / 255;
  return tf.tensor2d(values, [count, 784]);
}

/** The runtime's scripts and the fastest backend this worker can start: its name. */
async function loadRuntime(runtime, vendor) {
  for (const script of runtime.scripts) importScripts(new URL(script.src, vendor.static).href);
  const tf = self.tf;
  const wasm = (runtime.backends || {}).wasm;
  for (const name of BACKENDS) {
    if (name === "wasm") {
      if (!wasm || typeof WebAssembly !== "object") continue;
      for (const script of wasm.scripts) importScripts(new URL(script.src, vendor.static).href);
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false); // no threads: static hosts cannot isolate the page
      tf.wasm.setWasmPaths(vendor.vendor);
      useFastMatMulGradient(tf);
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf;
      }
    } catch (error) {
      // not in this browser: try the next one
    }
  }
  throw new Error("TensorFlow.js could not start a backend in this browser");
}

/**
 * The gradient of a matrix product as plain products of transposed copies. The same numbers as
 * TensorFlow.js's own gradient (which multiplies with a transposed operand in place), but the
 * WebAssembly backend computes a product with a transposed operand about 15 times slower than a
 * transpose and a plain product (measured on the build machine, Node.js 20, the same binary: 68 ms
 * against 4 ms for the hidden layer's weight gradient at batch 128), which made a whole training step
 * about 4 times slower (75 against under 20 ms on a quiet machine; 339 against 85 ms on a busy one).
 */
function useFastMatMulGradient(tf) {
  tf.registerGradient({
    kernelName: "BatchMatMul",
    inputsToSave: ["a", "b"],
    gradFunc(dy, [a, b], { transposeA, transposeB }) {
      if (transposeA || transposeB) throw new Error("the dense network multiplies no transposed matrices");
      const rank = a.rank;
      const swap = (t) => tf.transpose(t, [...Array(rank - 2).keys(), rank - 1, rank - 2]);
      return { a: () => tf.matMul(dy, swap(b)), b: () => tf.matMul(swap(a), dy) };
    },
  });
}

/** The exported network's architecture with fresh weights, compiled with the build's recipe. */
async function buildNetwork(tf, modelJsonUrl, training) {
  const response = await fetch(modelJsonUrl);
  if (!response.ok) throw new Error(`could not load the dense network's architecture (HTTP ${response.status})`);
  const topology = (await response.json()).modelTopology;
  for (const layer of topology.config.layers) layer.config.trainable = true; // exported for prediction only
  const model = await tf.models.modelFromJSON({ modelTopology: topology }); // no weights: fresh ones
  const { optimizer, loss } = training;
  if (optimizer.name !== "adam") throw new Error(`this page cannot train with the optimizer "${optimizer.name}"`);
  if (!LOSSES[loss]) throw new Error(`this page cannot train with the loss "${loss}"`);
  model.compile({
    optimizer: tf.train.adam(optimizer.learning_rate, optimizer.beta_1, optimizer.beta_2, optimizer.epsilon),
    loss: LOSSES[loss],
    metrics: ["accuracy"],
  });
  return model;
}

/** What the worker built: each layer's name, kind, units and activation, and the parameter count. */
function architecture(model) {
  return {
    layers: model.layers.map((layer) => {
      const config = layer.getConfig();
      return { name: layer.name, kind: layer.getClassName(), units: config.units, activation: config.activation };
    }),
    params: model.countParams(),
  };
}

async function start(message) {
  const { runtime, urls, training, entry, trainingSet } = message;
  post({ type: "loading", what: "TensorFlow.js", fraction: 0 });
  const tf = await loadRuntime(runtime, urls);
  const model = await buildNetwork(tf, urls.model, training);
  const parts = await loadTrainingSet(urls.data, trainingSet);
  const data = {
    x: denseInputs(tf, parts.train_images, trainingSet.train),
    testImages: parts.test_images,
    y: tf.tensor1d(Float32Array.from(parts.train_labels)),
    xTest: denseInputs(tf, parts.test_images, trainingSet.test),
    yTest: parts.test_labels,
    n: trainingSet.train,
  };
  Object.assign(state, { tf, model, data, settings: { batchSize: training.batch_size, epochs: entry.epochs, buildModel: urls.model } });
  const backend = tf.getBackend();
  post({
    type: "ready",
    backend,
    version: tf.version_core,
    simd: backend === "wasm" ? Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) : null,
    architecture: architecture(model),
    recipe: { optimizer: model.optimizer.getClassName(), learningRate: model.optimizer.learningRate, loss: model.loss,
              batchSize: training.batch_size, epochs: entry.epochs },
    train: data.n,
    test: trainingSet.test,
  });
  post({ type: "test", epoch: 0, images: 0, seconds: 0, ...evaluate() }); // the untrained network
  post({ type: "build-test", ...evaluate(await buildNetworkOfTheSite()) }); // the build's, on the same images
  await train();
}

// ---------------------------------------------------------------- training

/** Accuracy and loss of a network (the reader's by default) on the held-out test images (one prediction pass). */
function evaluate(model = state.model) {
  const { tf, data } = state;
  const probabilities = tf.tidy(() => model.predict(data.xTest).dataSync());
  let right = 0;
  let loss = 0;
  const n = data.yTest.length;
  for (let i = 0; i < n; i++) {
    const row = probabilities.subarray(i * 10, i * 10 + 10);
    let best = 0;
    for (let k = 1; k < 10; k++) if (row[k] > row[best]) best = k;
    right += best === data.yTest[i];
    loss -= Math.log(Math.min(1, Math.max(1e-7, row[data.yTest[i]]))); // as Keras clips
  }
  return { accuracy: right / n, loss: loss / n };
}

/** Let messages (Stop, a drawn digit) in between training steps: a task, without setTimeout's clamping. */
function yieldToMessages() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** Train from where it stopped until the epoch budget is spent or the page asks to stop. */
async function train() {
  if (state.running || state.finished) return;
  state.running = true;
  state.stopAsked = false;
  const { tf, data, settings } = state;
  const recent = { loss: 0, accuracy: 0, batches: 0 };
  let clock = performance.now();
  try {
    while (state.epoch < settings.epochs) {
      if (!state.order) state.order = tf.util.createShuffledIndices(data.n);
      while (state.position < data.n) {
        if (state.stopAsked) {
          state.trainSeconds += (performance.now() - clock) / 1000;
          post({ type: "stopped", epoch: state.epoch, step: state.step, images: state.images });
          return;
        }
        const end = Math.min(data.n, state.position + settings.batchSize); // the last batch may be smaller, as in Keras
        const [loss, accuracy] = await step(end);
        recent.loss += loss;
        recent.accuracy += accuracy;
        recent.batches += 1;
        if (recent.batches === REPORT_EVERY || state.position >= data.n) {
          post({ type: "batch", step: state.step, epoch: state.epoch, images: state.images,
                 loss: recent.loss / recent.batches, accuracy: recent.accuracy / recent.batches });
          Object.assign(recent, { loss: 0, accuracy: 0, batches: 0 });
        }
        await yieldToMessages();
      }
      state.epoch += 1;
      state.position = 0;
      state.order = null;
      state.trainSeconds += (performance.now() - clock) / 1000;
      post({ type: "test", epoch: state.epoch, images: state.images, seconds: state.trainSeconds, ...evaluate() });
      clock = performance.now();
    }
    state.finished = true;
    post({ type: "done", epoch: state.epoch, step: state.step, images: state.images, seconds: state.trainSeconds });
  } finally {
    state.running = false;
  }
}

/** One training step on the batch order[position:end]: its loss and accuracy. */
async function step(end) {
  const { tf, model, data } = state;
  const index = tf.tensor1d(Int32Array.from(state.order.subarray(state.position, end)), "int32");
  const x = tf.gather(data.x, index);
  const y = tf.gather(data.y, index);
  try {
    const [loss, accuracy] = await model.trainOnBatch(x, y);
    state.images += end - state.position;
    state.position = end;
    state.step += 1;
    return [loss, accuracy];
  } finally {
    tf.dispose([index, x, y]);
  }
}

// -------------------------------------------------------------- predicting

/** The build's trained dense network (the site's export), loaded once. */
function buildNetworkOfTheSite() {
  if (!state.build) state.build = state.tf.loadLayersModel(state.settings.buildModel);
  return state.build;
}

/**
 * Probabilities of the reader's network and of the build's dense network (loaded when first asked) for one
 * digit (784 pixel values, 0 to 255). ``test``: what the digit is, posted back with them.
 */
async function predict({ id, pixels }, test = null) {
  const { tf } = state;
  if (!state.model) throw new Error("the network is not built yet");
  if (!pixels || pixels.length !== 784) throw new Error(`a digit has 784 pixels (28x28), not ${pixels ? pixels.length : "none"}`);
  const build = await buildNetworkOfTheSite();
  const [mine, theirs] = tf.tidy(() => {
    const x = denseInputs(tf, pixels, 1);
    return [state.model.predict(x).dataSync(), build.predict(x).dataSync()];
  });
  post({ type: "prediction", id, mine: Array.from(mine), build: Array.from(theirs), ...(test ? { test } : {}) });
}

/** Both networks on held-out test image ``index`` (of the shipped subset): its pixels and label come back too. */
function predictTest({ id, index }) {
  const { data } = state;
  if (!data) throw new Error("the test images are not loaded yet");
  const n = data.yTest.length;
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`there are ${n} held-out test images: no image ${index}`);
  const pixels = data.testImages.slice(index * 784, (index + 1) * 784);
  return predict({ id, pixels }, { index, label: data.yTest[index], count: n, pixels: Array.from(pixels) });
}

self.onmessage = async (event) => {
  const message = event.data;
  try {
    if (message.type === "start") await start(message);
    else if (message.type === "stop") state.stopAsked = true;
    else if (message.type === "resume") await train();
    else if (message.type === "predict") await predict(message);
    else if (message.type === "predict-test") await predictTest(message);
    else if (message.type === "resources") {
      post({ type: "resources", urls: performance.getEntriesByType("resource").map((e) => e.name) });
    }
  } catch (error) {
    post({ type: "error", message: error.message, during: message.type, id: message.id });
  }
};
