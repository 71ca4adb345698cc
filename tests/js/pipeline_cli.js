#!/usr/bin/env node
/*
 * Runs the JavaScript port of the photo-to-MNIST pipeline (web/site/live/digits.js)
 * for tests/repo/test_js_pipeline.py: one node process for many photos.
 *
 * Input (stdin): JSON lines (read one at a time: photos can be large), or one JSON
 * document (an object or an array), of
 *   photos   {"id": ..., "width": w, "height": h, "rgba": base64 of the w*h*4 RGBA bytes,
 *             "hasAlpha": whether the file has an alpha channel (optional, see digits.js)}
 *   checks   {"id": ..., "call": "checkFile" | "checkSize" | "notAnImage", "args": [...]}
 * Output (stdout): one JSON object per input line, in the same order:
 *   {"id": ..., "digit": [784 ints] | null, "error": null | message, "zoom", "window", "darkInk",
 *   "strokeInBox", "strokedInBox", "weights", "ms"}
 *   and with --steps the intermediate images too, as {"width", "height", "dtype", "b64"}.
 */
"use strict";

const path = require("path");
const readline = require("readline");
const LabDigits = require(path.join(__dirname, "..", "..", "web", "site", "live", "digits.js"));

const withSteps = process.argv.includes("--steps");
const STEP_IMAGES = ["gray", "ink", "flat", "mask", "digitMask", "crop", "stroked", "fitted"];

function encodeImage(image) {
  const data = image.data;
  const dtype = data instanceof Float32Array ? "float32" : data instanceof Float64Array ? "float64" : "uint8";
  return {
    width: image.width,
    height: image.height,
    dtype: dtype,
    b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"),
  };
}

function runCheck(record) {
  const fn = LabDigits[record.call];
  if (!["checkFile", "checkSize", "notAnImage"].includes(record.call)) {
    return { id: record.id, error: `unknown call ${record.call}`, errorName: "Error" };
  }
  try {
    const result = fn(...(record.args || []));
    if (result instanceof Error) return { id: record.id, error: result.message, errorName: result.name };
    return { id: record.id, error: null };
  } catch (e) {
    return { id: record.id, error: e.message, errorName: e.name };
  }
}

function runPhoto(record) {
  const bytes = Buffer.from(record.rgba || "", "base64");
  const photo = {
    width: record.width,
    height: record.height,
    data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length),
  };
  if (record.hasAlpha !== undefined) photo.hasAlpha = record.hasAlpha;
  const start = process.hrtime.bigint();
  try {
    const steps = LabDigits.preprocess(photo);
    const out = {
      id: record.id,
      digit: Array.from(steps.digit),
      error: null,
      zoom: steps.zoom,
      window: steps.window,
      darkInk: steps.darkInk,
      strokeInBox: steps.strokeInBox,
      strokedInBox: steps.strokedInBox,
      weights: Array.from(steps.weights),
      ms: Number(process.hrtime.bigint() - start) / 1e6,
    };
    if (withSteps) {
      out.steps = {};
      for (const name of STEP_IMAGES) out.steps[name] = encodeImage(steps[name]);
    }
    return out;
  } catch (e) {
    if (!(e instanceof LabDigits.DigitImageError)) {
      return { id: record.id, digit: null, error: `${e.name}: ${e.message}`, errorName: e.name, stack: e.stack };
    }
    return { id: record.id, digit: null, error: e.message, errorName: e.name };
  }
}

function handle(record) {
  const result = record.call ? runCheck(record) : runPhoto(record);
  process.stdout.write(JSON.stringify(result) + "\n");
}

/** Line by line (a large photo at a time); input that is not JSON lines is read whole as one document. */
async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let documentText = null;
  for await (const line of lines) {
    if (documentText !== null) {
      documentText += line + "\n";
      continue;
    }
    if (!line.trim()) continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch (e) {
      documentText = line + "\n";
      continue;
    }
    handle(record);
  }
  if (documentText !== null) {
    const whole = JSON.parse(documentText);
    for (const record of Array.isArray(whole) ? whole : [whole]) handle(record);
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
