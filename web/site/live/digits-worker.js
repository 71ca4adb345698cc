/*
 * LabDigits.preprocess (digits.js) in a Web Worker: a photo's pipeline takes
 * about a second of computing on a phone, and here it does not freeze the page.
 * loader.js (LabLive.util.preprocessOffThread) sends {id, photo} and gets back
 * {id, result} or {id, error: {message, digitError}}.
 */
/* global LabDigits */
importScripts("digits.js");

self.onmessage = ({ data }) => {
  try {
    self.postMessage({ id: data.id, result: LabDigits.preprocess(data.photo) });
  } catch (error) {
    self.postMessage({ id: data.id, error: { message: error.message, digitError: error instanceof LabDigits.DigitImageError } });
  }
};
