/*
 * From a photo of a handwritten digit to a 28x28 image in MNIST's convention:
 * a faithful port of labsupport/digits.py for the reader's browser.
 *
 * The same photo gives the same 28x28 image as the Python pipeline: every
 * step is ported function by function (same names in camelCase, same
 * constants), and the library routines it uses are replicated to the bit
 * where it matters: PIL's alpha compositing and BOX resampling (two passes,
 * horizontal then vertical, float32 in between), scipy.ndimage's filters with
 * its "reflect" border and origin convention, 8-connected labelling numbered
 * in raster order, the exact Euclidean distance transform, numpy's linear
 * quantiles (float32 arithmetic where numpy does it), histograms, pairwise
 * sums and round-half-to-even.
 *
 * The drawing pad runs the whole pipeline at every stroke update (in a worker,
 * own-digit.js), so the library routines take shortcuts that give the same numbers: filters
 * skip lines of zeros (blank paper) and, for a minimum, the windows that hold a
 * zero of an image with nothing below it; masks are filtered by counting;
 * quantiles select their two values instead of sorting; remove_lines finds
 * its line candidates on a mask (a threshold commutes with minima and maxima)
 * and skips an axis the ink cannot span; a grey picture's local contrast is
 * computed for one channel. Each says why it is exact where it is made;
 * tools/benchmarks/pipeline_speed.py times the steps.
 *
 * Images are {width, height, data}: data a Float32Array in [0, 1] (row-major;
 * colour images also have channels: 3 and interleaved RGB), masks a
 * Uint8Array of 0/1. A photo is {width, height, data} with data the RGBA
 * bytes of the browser's ImageData (not premultiplied), and optionally
 * hasAlpha: whether the file has an alpha channel (PNG colour types 4 and 6,
 * or a tRNS chunk). It only matters when the zoom box reaches a pixel past
 * the photo's edge (rounding), which PIL fills with black for an RGB file and
 * with white paper for one with alpha; when not given, a photo with any pixel
 * not fully opaque counts as having alpha.
 *
 * Plain ES2017, no dependencies: works as a browser script (window.LabDigits)
 * and as a Node module (module.exports).
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.LabDigits = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // ---------------------------------------------------------------------------
  // Constants (the same names and values as labsupport/digits.py)

  const f32 = Math.fround;

  /** Refuse images with more pixels than this (a decompression-bomb guard). */
  const MAX_PIXELS = 50000000;
  /** Refuse files larger than this many bytes. */
  const MAX_BYTES = 40000000;
  /** Refuse images whose shorter side is below this many pixels. */
  const MIN_SIDE = 16;
  /** Weakest ink, against the paper, taken for a digit (share of the full range). */
  const MIN_CONTRAST = 0.12;
  /** The smallest digit taken for one covers this share of the image (after downscale). */
  const MIN_DIGIT_SHARE = 0.0005;
  /** Longer side after downscale. */
  const WORK_SIDE = 400;
  /** MNIST's box for the digit and its field. */
  const BOX = 20;
  const FIELD = 28;
  /** Brightness weights of the red, green and blue channels (float32, as in Python). */
  const LUMA = Float32Array.from([0.299, 0.587, 0.114]);
  /** Share of the pixels, those that differ most from the paper around them, taken for ink. */
  const INK_SHARE = 0.01;
  /** "Around": a box of this share of the longer side, wider than thick strokes. */
  const LOCAL_SHARE = 1 / 4;
  /** The ink's tail decides the polarity alone when the skewness is at least this large in size ... */
  const SKEW_SURE = 1.0;
  /** ... otherwise the frame does (a ring this share of the longer side wide, at least a pixel) ... */
  const FRAME_SHARE = 0.03;
  /** ... when at least this share of it lies on one side of Otsu's threshold: that side is the paper. */
  const FRAME_AGREE = 0.7;
  /** The background window is at least this share of the image's longer side ... */
  const BACKGROUND_SHARE = 1 / 12;
  /** ... and at least this many times the width of the wider strokes ... */
  const BACKGROUND_PER_STROKE = 2.5;
  /** ... but at most this share of the longer side. */
  const BACKGROUND_MAX_SHARE = 1 / 4;
  /** Ruled and grid lines: straight runs at least this share of the image's side ... */
  const LINE_RUN_SHARE = 1 / 5;
  /** ... that join up to span at least this share of it ... */
  const LINE_SPAN_SHARE = 0.6;
  /** ... allowing this share of the side for a slight tilt; and there must be this many of them. */
  const LINE_TILT_SHARE = 0.012;
  const MIN_LINES = 3;
  /** Lines are thin: on average at most this share of the side wide. */
  const LINE_WIDTH_SHARE = 0.025;
  /** Strong ink is never below this share of the strongest ink. */
  const MIN_INK = 0.25;
  /** Weak ink: at least this share of the strong threshold, and connected to strong ink. */
  const WEAK_SHARE = 0.65;
  /** Pixels touching by an edge or a corner are connected (3x3 structure). */
  const EIGHT = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  /** Pieces within this share of the digit's size from it are part of it ... */
  const NEAR_SHARE = 0.25;
  /** ... unless they are smaller than this share of the largest blob. */
  const PIECE_SHARE = 0.01;
  /** A ridge point less than this share as deep as the deepest one near it is a hair on a ragged edge. */
  const HAIR_SHARE = 0.5;
  /** MNIST's strokes are about this wide, in pixels of the 20x20 box. */
  const STROKE_WIDTH_IN_BOX = 2.8;
  /** A crop whose longer side is under this many pixels is enlarged before setStrokeWidth (enlarge). */
  const ENLARGE_BELOW = 2 * BOX;
  /** Holes and gaps must survive setStrokeWidth at least this many pixels of the 20x20 box across. */
  const HOLE_IN_BOX = 1.5;
  /** A gap opening onto the bounding box has at least this share of its edge on ink; a box corner less. */
  const GAP_INK_SHARE = 2 / 3;
  /** How fitBox resamples (PIL's Image.Resampling.BOX). */
  const RESAMPLE = "box";
  /** A digit whose longer side is below this share of the working image's is looked at again ... */
  const ZOOM_BELOW = 0.25;
  /** ... in a piece of the full-size photo around it, with this margin ... */
  const ZOOM_MARGIN = 0.5;
  /** ... when the full-size photo has at least this many times as many pixels across. */
  const ZOOM_GAIN = 1.5;

  // ---------------------------------------------------------------------------
  // Errors: every message in one place (the same words as Python's)

  /** The input cannot be turned into a digit image; the message says why (Python's DigitImageError). */
  class DigitImageError extends Error {
    constructor(message) {
      super(message);
      this.name = "DigitImageError";
    }
  }

  /** Python's f"{x:.2f}": round half to even on the exact binary value. */
  function formatFixed2(x) {
    // An exact tie at the third decimal is only possible for odd multiples of 1/8.
    const eighths = x * 8;
    if (Number.isInteger(eighths) && eighths % 2 !== 0) {
      const cents = Math.floor(x * 100);
      return ((cents % 2 === 0 ? cents : cents + 1) / 100).toFixed(2);
    }
    return x.toFixed(2);
  }

  const MESSAGES = {
    tooManyPixels: (name, w, h) =>
      `${name} is ${w}x${h} pixels, more than the ${Math.floor(MAX_PIXELS / 1000000)} megapixels ` +
      "accepted; resize the photo first",
    tooSmall: (name, w, h) =>
      `${name} is only ${w}x${h} pixels; a photo of a digit needs at least ${MIN_SIDE}x${MIN_SIDE}`,
    damaged: (name, detail) => `${name} is damaged or truncated (${detail})`,
    noSuchFile: (name) => `${name}: no such file`,
    empty: (name) => `${name} is empty (0 bytes)`,
    tooLarge: (name) => `${name} is over ${Math.floor(MAX_BYTES / 1000000)} MB; use a smaller photo`,
    notAnImage: (name) => `${name} is not an image file the browser can read (PNG, JPEG, ...)`,
    gigantic: (name) =>
      `${name} claims a gigantic size, more than the ${Math.floor(MAX_PIXELS / 1000000)} megapixels ` +
      "accepted; resize the photo first",
    badPhoto: (what) => `expected an image {width, height, data} with width*height RGBA bytes, got ${what}`,
    blank: (top) =>
      "no digit found: the image is blank or the ink is too faint " +
      `(contrast ${formatFixed2(top)} of the full range; write with a darker pen or add light)`,
    noInk: () => "no digit found: the image has no ink after removing the background",
    specks: () => "no digit found: only small specks of ink",
    noDigit: () => "no digit found",
  };

  // ---------------------------------------------------------------------------
  // Python and numpy arithmetic

  /** Python's round() and numpy's np.round/np.rint: half to even. */
  function roundHalfEven(x) {
    const f = Math.floor(x);
    const d = x - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }

  /** numpy's float32 (h, w, 3) @ (3,) for one pixel: products and sums rounded to float32 in order. */
  function dot3(r, g, b, w) {
    return f32(f32(f32(r * w[0]) + f32(g * w[1])) + f32(b * w[2]));
  }

  /** numpy's pairwise summation of n float32 values from start (a float32 sum, like arr.sum()). */
  function pairwiseSum32(a, start, n) {
    if (n < 8) {
      let res = 0;
      for (let i = 0; i < n; i++) res = f32(res + a[start + i]);
      return res;
    }
    if (n <= 128) {
      const r = new Float64Array(8);
      for (let j = 0; j < 8; j++) r[j] = f32(a[start + j]);
      let i = 8;
      for (; i < n - (n % 8); i += 8) {
        for (let j = 0; j < 8; j++) r[j] = f32(r[j] + a[start + i + j]);
      }
      let res = f32(f32(f32(r[0] + r[1]) + f32(r[2] + r[3])) + f32(f32(r[4] + r[5]) + f32(r[6] + r[7])));
      for (; i < n; i++) res = f32(res + a[start + i]);
      return res;
    }
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return f32(pairwiseSum32(a, start, n2) + pairwiseSum32(a, start + n2, n - n2));
  }

  /** numpy's pairwise summation of n float64 values from start. */
  function pairwiseSum64(a, start, n) {
    if (n < 8) {
      let res = 0;
      for (let i = 0; i < n; i++) res += a[start + i];
      return res;
    }
    if (n <= 128) {
      const r = new Float64Array(8);
      for (let j = 0; j < 8; j++) r[j] = a[start + j];
      let i = 8;
      for (; i < n - (n % 8); i += 8) {
        for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
      }
      let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) res += a[start + i];
      return res;
    }
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return pairwiseSum64(a, start, n2) + pairwiseSum64(a, start + n2, n - n2);
  }

  /**
   * Rearrange a[left..right] so that a[k] holds the value a sorted copy would have there, every value
   * before it <= and every value after it >= (numpy's partition; Floyd and Rivest's selection, which
   * narrows to a small sample around k first: O(n), and fast on the many equal values of an image).
   */
  function partitionAt(a, k, left, right) {
    while (right > left) {
      if (right - left > 600) {
        const n = right - left + 1;
        const m = k - left + 1;
        const z = Math.log(n);
        const s = 0.5 * Math.exp((2 * z) / 3);
        const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
        partitionAt(a, k, Math.max(left, Math.floor(k - (m * s) / n + sd)),
          Math.min(right, Math.floor(k + ((n - m) * s) / n + sd)));
      }
      const t = a[k];
      let i = left;
      let j = right;
      swap(a, left, k);
      if (a[right] > t) swap(a, left, right);
      while (i < j) {
        swap(a, i, j);
        i++;
        j--;
        while (a[i] < t) i++;
        while (a[j] > t) j--;
      }
      if (a[left] === t) swap(a, left, j);
      else swap(a, ++j, right);
      if (j <= k) left = j + 1;
      if (k <= j) right = j - 1;
    }
  }

  function swap(a, i, j) {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }

  /**
   * The values at ranks previous and next (previous <= next) of a sorted copy of the values.
   * A full sort of a whole image's values (removeBackground's and inkColourDifference's
   * quantiles) costs several ms; selecting the two ranks gives the same two numbers in a
   * fraction of it. Small arrays, and any with a NaN (which sorts last), are simply sorted.
   */
  function ranked(values, previous, next, single) {
    const copy = (single ? Float32Array : Float64Array).from(values);
    const n = copy.length;
    let hasNaN = false;
    for (let i = 0; i < n; i++) if (copy[i] !== copy[i]) hasNaN = true;
    if (n < 64 || hasNaN) {
      copy.sort();
      return [copy[previous], copy[next]];
    }
    if (n - previous <= n / 16) return rankedFromTop(copy, previous, next);
    partitionAt(copy, previous, 0, n - 1);
    let b = copy[previous];
    if (next !== previous) {
      // everything after rank previous is >= its value: the next rank is their smallest
      b = copy[previous + 1];
      for (let i = previous + 2; i < n; i++) if (copy[i] < b) b = copy[i];
    }
    return [copy[previous], b];
  }

  /**
   * ranked() for ranks near the top (a high quantile: the brightest 1% or 0.05%): the
   * n - previous largest values kept in a min-heap in one pass; its smallest is the value at
   * rank previous, the smaller of its root's children the one at previous + 1.
   */
  function rankedFromTop(values, previous, next) {
    const n = values.length;
    const m = n - previous;
    const heap = new values.constructor(m);
    for (let i = 0; i < m; i++) heapPush(heap, i, values[i]);
    for (let i = m; i < n; i++) {
      const v = values[i];
      if (v > heap[0]) heapReplaceTop(heap, m, v);
    }
    if (next === previous) return [heap[0], heap[0]];
    const second = m < 3 || heap[1] < heap[2] ? heap[1] : heap[2];
    return [heap[0], second];
  }

  /** Add v to the min-heap heap[0..size) (it becomes heap[0..size]). */
  function heapPush(heap, size, v) {
    let i = size;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= v) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = v;
  }

  /** Replace the min-heap's smallest value by v (a larger one) and restore the heap. */
  function heapReplaceTop(heap, size, v) {
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1] < heap[child]) child++;
      if (heap[child] >= v) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = v;
  }

  /**
   * numpy's quantile (method "linear", q a Python float) of the values.
   * single: the values are float32 and numpy interpolates in float32.
   */
  function quantile(values, q, single) {
    const n = values.length;
    const virtual = (n - 1) * q;
    let previous = Math.floor(virtual);
    let next = previous + 1;
    if (virtual >= n - 1) {
      previous = n - 1;
      next = n - 1;
    }
    const gamma = virtual - Math.floor(virtual);
    const [a, b] = ranked(values, previous, next, single);
    if (single) {
      const diff = f32(b - a);
      if (gamma >= 0.5) return f32(b - f32(diff * f32(1 - gamma)));
      return f32(a + f32(diff * f32(gamma)));
    }
    const diff = b - a;
    if (gamma >= 0.5) return b - diff * (1 - gamma);
    return a + diff * gamma;
  }

  /** scipy.ndimage's "reflect" border (d c b a | a b c d | d c b a), repeated for long windows. */
  function reflectIndex(i, n) {
    if (i >= 0 && i < n) return i;
    if (n === 1) return 0;
    const period = 2 * n;
    let m = i % period;
    if (m < 0) m += period;
    return m < n ? m : period - 1 - m;
  }

  /** The window [lo, hi] (offsets) of a scipy filter of this size and origin. */
  function windowOffsets(size, origin) {
    const half = size >> 1;
    return [-origin - half, -origin + size - half - 1];
  }

  /** A blank image (Float32Array data unless another typed-array class is given). */
  function newImage(width, height, Type) {
    return { width: width, height: height, data: new (Type || Float32Array)(width * height) };
  }

  // ---------------------------------------------------------------------------
  // scipy.ndimage filters

  /**
   * The image's values as integers that are 0 exactly for +0: the bits of a float image (two
   * words a value for float64), the values themselves for an integer image (masks, labels).
   */
  function zeroBits(data) {
    if (data instanceof Float32Array) return new Int32Array(data.buffer, data.byteOffset, data.length);
    if (data instanceof Float64Array) return new Int32Array(data.buffer, data.byteOffset, 2 * data.length);
    return data;
  }

  /**
   * Which lines (axis 1: rows, 0: columns) hold anything but +0 (Uint8Array, 1 for those).
   * A filter's result on a line of zeros is zeros (the minimum, maximum or mean of +0 is +0),
   * and most lines of a drawing are blank paper: the filters skip them. Comparing bits, not
   * values, keeps a -0 (which the filters would pass on) from counting as blank.
   */
  function busyLines(image, axis) {
    const { width, height, data } = image;
    const bits = zeroBits(data);
    const words = bits.length / data.length;
    const busy = new Uint8Array(axis === 1 ? height : width);
    const rowWords = width * words;
    for (let y = 0; y < height; y++) {
      const row = y * rowWords;
      if (axis === 1) {
        for (let k = row; k < row + rowWords; k++) {
          if (bits[k] !== 0) {
            busy[y] = 1;
            break;
          }
        }
      } else if (words === 1) {
        for (let x = 0; x < width; x++) if (bits[row + x] !== 0) busy[x] = 1;
      } else {
        for (let x = 0; x < width; x++) if ((bits[row + 2 * x] | bits[row + 2 * x + 1]) !== 0) busy[x] = 1;
      }
    }
    return busy;
  }

  /**
   * The running extreme of one line for van Herk/Gil-Werman: the line (ext, len values) cut into
   * blocks of L, g[j] the extreme from j's block start to j, h[j] from j to its block end. The
   * extreme over any window of L values [i, i + L - 1] is then that of h[i] and g[i + L - 1]:
   * three comparisons a value whatever the window's size. Ties keep the value already held.
   */
  function blockExtremes(ext, len, L, g, h, isMax) {
    for (let start = 0; start < len; start += L) {
      const end = start + L < len ? start + L : len;
      let m = ext[start];
      g[start] = m;
      for (let j = start + 1; j < end; j++) {
        const v = ext[j];
        if (isMax ? v > m : v < m) m = v;
        g[j] = m;
      }
      m = ext[end - 1];
      h[end - 1] = m;
      for (let j = end - 2; j >= start; j--) {
        const v = ext[j];
        if (isMax ? v > m : v < m) m = v;
        h[j] = m;
      }
    }
  }

  /**
   * Minimum or maximum over the window [lo, hi] along one axis (0: down the
   * columns, 1: along the rows), reflect border; van Herk/Gil-Werman, O(n).
   * Each line is copied, with its reflected border, into a Float64Array first:
   * the hot loops then see one array type whatever the image's (float32
   * images, uint8 masks, float64 distances), which keeps them fast in V8.
   * Blank lines (busyLines) stay zero.
   */
  function extremeFilter1d(image, axis, lo, hi, isMax) {
    const { width, height, data } = image;
    const out = { width: width, height: height, data: new data.constructor(data.length) };
    const L = hi - lo + 1;
    const n = axis === 1 ? width : height;
    const lines = axis === 1 ? height : width;
    const step = axis === 1 ? 1 : width;
    const lineStep = axis === 1 ? width : 1;
    if (L <= 1 && lo === 0) {
      out.data.set(data);
      return out;
    }
    const busy = busyLines(image, axis);
    const zeroFloor = !isMax && nothingBelowZero(data);
    const len = n + L - 1;
    const ext = new Float64Array(len);
    const g = new Float64Array(len);
    const h = new Float64Array(len);
    const index = new Int32Array(len);
    for (let j = 0; j < len; j++) index[j] = reflectIndex(j + lo, n) * step;
    const result = out.data;
    for (let line = 0; line < lines; line++) {
      if (!busy[line]) continue;
      const base = line * lineStep;
      for (let j = 0; j < len; j++) ext[j] = data[base + index[j]];
      if (zeroFloor) {
        minimaBetweenZeros(ext, n, L, g, h, result, base, step);
        continue;
      }
      blockExtremes(ext, len, L, g, h, isMax);
      for (let i = 0, o = base; i < n; i++, o += step) {
        const a = h[i];
        const b = g[i + L - 1];
        result[o] = (isMax ? a > b : a < b) ? a : b;
      }
    }
    return out;
  }

  /** Whether no value is below +0: none negative, no -0, no NaN (an ink image, a mask, distances). */
  function nothingBelowZero(data) {
    if (data instanceof Uint8Array) return true;
    if (data instanceof Float32Array) {
      const bits = zeroBits(data);
      for (let i = 0; i < bits.length; i++) if (bits[i] < 0 || bits[i] > 0x7f800000) return false; // sign bit, NaN
      return true;
    }
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!(v > 0 || (v === 0 && 1 / v > 0))) return false;
    }
    return true;
  }

  /**
   * The minimum filter of one line (ext: the line with its reflected border, n + L - 1 values)
   * when nothing in it is below +0: a window that holds a +0 has the minimum +0 (left as the
   * output's 0), so only the stretches of nonzero values at least a window long need van Herk.
   * An erosion of an ink image, mostly paper, finds few of them. (Equal positive values are the
   * same bits: which of them a window keeps does not matter.)
   */
  function minimaBetweenZeros(ext, n, L, g, h, result, base, step) {
    const len = n + L - 1;
    let start = 0;
    while (start < n) {
      while (start < len && ext[start] === 0) start++;
      let end = start;
      while (end < len && ext[end] !== 0) end++;
      if (end - start >= L) {
        blockExtremes(ext.subarray(start, end), end - start, L, g, h, false);
        // the windows [i, i + L - 1] inside the stretch [start, end)
        for (let i = start; i <= end - L && i < n; i++) {
          const a = h[i - start];
          const b = g[i - start + L - 1];
          result[base + i * step] = a < b ? a : b;
        }
      }
      start = end;
    }
  }

  /**
   * extremeFilter1d of a 0/1 mask, by counting: the maximum over a window is 1 when the
   * window holds a 1, the minimum when it holds nothing else. One running count a line
   * instead of van Herk's three passes; the same reflect border, hence the same result.
   */
  function binaryFilter1d(mask, axis, lo, hi, isMax) {
    const { width, height, data } = mask;
    const out = newImage(width, height, Uint8Array);
    const L = hi - lo + 1;
    const n = axis === 1 ? width : height;
    const lines = axis === 1 ? height : width;
    const step = axis === 1 ? 1 : width;
    const lineStep = axis === 1 ? width : 1;
    const busy = busyLines(mask, axis);
    const index = new Int32Array(n + L - 1);
    for (let j = 0; j < index.length; j++) index[j] = reflectIndex(j + lo, n) * step;
    const result = out.data;
    for (let line = 0; line < lines; line++) {
      if (!busy[line]) continue;
      const base = line * lineStep;
      let count = 0;
      for (let j = 0; j < L; j++) count += data[base + index[j]];
      for (let i = 0, o = base; i < n; i++, o += step) {
        if (i > 0) count += data[base + index[i + L - 1]] - data[base + index[i - 1]];
        result[o] = (isMax ? count > 0 : count === L) ? 1 : 0;
      }
    }
    return out;
  }

  /** maximumFilter(mask, size, size) of a 0/1 mask (binaryFilter1d down the columns, then along the rows). */
  function binaryMaximumFilter(mask, size) {
    const [lo, hi] = windowOffsets(size, 0);
    return binaryFilter1d(binaryFilter1d(mask, 0, lo, hi, true), 1, lo, hi, true);
  }

  /** A separable minimum or maximum filter: down the columns, then along the rows. */
  function extremeFilter(image, sizeY, sizeX, originY, originX, isMax) {
    const [ly, hy] = windowOffsets(sizeY, originY || 0);
    const [lx, hx] = windowOffsets(sizeX === undefined ? sizeY : sizeX, originX || 0);
    return extremeFilter1d(extremeFilter1d(image, 0, ly, hy, isMax), 1, lx, hx, isMax);
  }

  /** scipy.ndimage.maximum_filter(image, size=(sizeY, sizeX), origin=(originY, originX)). */
  function maximumFilter(image, sizeY, sizeX, originY, originX) {
    return extremeFilter(image, sizeY, sizeX, originY, originX, true);
  }

  /** scipy.ndimage.minimum_filter(image, size=(sizeY, sizeX), origin=(originY, originX)). */
  function minimumFilter(image, sizeY, sizeX, originY, originX) {
    return extremeFilter(image, sizeY, sizeX, originY, originX, false);
  }

  /** scipy.ndimage.grey_opening(image, size=(sizeY, sizeX)): erosion, then dilation (origin moved for even sizes). */
  function greyOpening(image, sizeY, sizeX) {
    const eroded = minimumFilter(image, sizeY, sizeX, 0, 0);
    return maximumFilter(eroded, sizeY, sizeX, sizeY % 2 === 0 ? -1 : 0, sizeX % 2 === 0 ? -1 : 0);
  }

  /**
   * scipy.ndimage.grey_dilation / grey_erosion with a square footprint
   * (Uint8Array side*side) whose rows are contiguous runs, like a disc.
   */
  function footprintFilter(image, footprint, side, isMax) {
    // grey_dilation flips the footprint and moves the origin by one for an even side
    const fp = new Uint8Array(side * side);
    for (let j = 0; j < side * side; j++) fp[j] = isMax ? footprint[side * side - 1 - j] : footprint[j];
    const origin = isMax && side % 2 === 0 ? -1 : 0;
    const centre = (side >> 1) + origin;
    const { width, height } = image;
    const out = new Float32Array(width * height).fill(isMax ? -Infinity : Infinity);
    const rowsByRun = new Map();
    for (let j = 0; j < side; j++) {
      let c0 = -1;
      let c1 = -1;
      for (let c = 0; c < side; c++) {
        if (fp[j * side + c]) {
          if (c0 < 0) c0 = c;
          c1 = c;
        }
      }
      if (c0 < 0) continue;
      const key = c0 + "," + c1;
      if (!rowsByRun.has(key)) rowsByRun.set(key, { c0: c0, c1: c1, rows: [] });
      rowsByRun.get(key).rows.push(j);
    }
    for (const { c0, c1, rows } of rowsByRun.values()) {
      const along = extremeFilter1d(image, 1, c0 - centre, c1 - centre, isMax).data;
      for (const j of rows) {
        for (let y = 0; y < height; y++) {
          const src = reflectIndex(y + j - centre, height) * width;
          const dst = y * width;
          for (let x = 0; x < width; x++) {
            const v = along[src + x];
            if (isMax ? v > out[dst + x] : v < out[dst + x]) out[dst + x] = v;
          }
        }
      }
    }
    return { width: width, height: height, data: out };
  }

  /**
   * scipy.ndimage.uniform_filter1d along the rows (axis 1), every channel of a row in one sweep:
   * scipy's running mean (its sums in the same order), float32 output. The running sums read
   * the row in place through a table of reflected positions. Blank rows (busyLines) stay 0.
   */
  function uniformRows(src, dst, width, height, channels, size) {
    const size1 = size >> 1;
    const len = width + size - 1;
    const index = new Int32Array(len); // where the reflected row's j-th value lies in the row
    for (let j = 0; j < len; j++) index[j] = reflectIndex(j - size1, width) * channels;
    const busy = busyLines({ width: width * channels, height: height, data: src }, 1);
    const sums = new Float64Array(channels);
    for (let y = 0; y < height; y++) {
      if (!busy[y]) continue;
      const base = y * width * channels;
      sums.fill(0);
      for (let j = 0; j < size; j++) for (let c = 0; c < channels; c++) sums[c] += src[base + index[j] + c];
      for (let c = 0; c < channels; c++) dst[base + c] = sums[c] / size;
      for (let i = 1; i < width; i++) {
        const add = base + index[i + size - 1];
        const drop = base + index[i - 1];
        const o = base + i * channels;
        for (let c = 0; c < channels; c++) {
          sums[c] += src[add + c] - src[drop + c];
          dst[o + c] = sums[c] / size;
        }
      }
    }
  }

  /**
   * The first and last of the values side by side in a row (rowLength of them) that are anything
   * but +0 in some row, or [0, -1] when there is none: each row is looked at only outside
   * what the rows before found.
   */
  function busyExtent(data, rowLength, height) {
    const bits = zeroBits(data);
    const words = bits.length / data.length;
    const busy = (k) => {
      for (let w = 0; w < words; w++) if (bits[k * words + w] !== 0) return true;
      return false;
    };
    let first = rowLength;
    let last = -1;
    for (let y = 0; y < height; y++) {
      const row = y * rowLength;
      for (let k = 0; k < first; k++) {
        if (busy(row + k)) {
          first = k;
          break;
        }
      }
      for (let k = rowLength - 1; k > last && k >= first; k--) {
        if (busy(row + k)) {
          last = k;
          break;
        }
      }
    }
    return first <= last ? [first, last] : [0, -1];
  }

  /**
   * scipy.ndimage.uniform_filter1d down the columns (axis 0) of every channel at once: each
   * column's running sum takes the same steps as scipy's, in the same order, but a whole row
   * of sums moves at a time (contiguous memory, no copy of each column). Only the columns from
   * the first to the last busy one are summed: the others are blank, and their mean 0.
   */
  function uniformColumns(src, dst, width, height, channels, size) {
    const rowLength = width * channels;
    const [first, last] = busyExtent(src, rowLength, height);
    const size1 = size >> 1;
    const rowOf = (j) => reflectIndex(j - size1, height) * rowLength; // where the reflected column's j-th value lies
    const sums = new Float64Array(rowLength);
    for (let j = 0; j < size; j++) {
      const r = rowOf(j);
      for (let k = first; k <= last; k++) sums[k] += src[r + k];
    }
    for (let k = first; k <= last; k++) dst[k] = sums[k] / size;
    for (let i = 1; i < height; i++) {
      const add = rowOf(i + size - 1);
      const drop = rowOf(i - 1);
      const o = i * rowLength;
      for (let k = first; k <= last; k++) {
        sums[k] += src[add + k] - src[drop + k];
        dst[o + k] = sums[k] / size;
      }
    }
  }

  /** scipy.ndimage.uniform_filter(image, size=(size, size[, 1])) on float32: down the columns, then along the rows. */
  function uniformFilter(image, size) {
    const channels = image.channels || 1;
    const { width, height } = image;
    const tmp = new Float32Array(image.data.length);
    const out = new Float32Array(image.data.length);
    uniformColumns(image.data, tmp, width, height, channels, size);
    uniformRows(tmp, out, width, height, channels, size);
    const result = { width: width, height: height, data: out };
    if (image.channels) result.channels = image.channels;
    return result;
  }

  /** Whether every pixel of a colour image has the same value (the same bits: -0 is not +0) in each channel. */
  function isGrey(image) {
    const { channels, data } = image;
    const bits = data instanceof Float32Array ? zeroBits(data) : null;
    for (let p = 0; p < data.length; p += channels) {
      for (let c = 1; c < channels; c++) {
        if (bits ? bits[p + c] !== bits[p] : !Object.is(data[p + c], data[p])) return false;
      }
    }
    return true;
  }

  /**
   * scipy.ndimage.label(mask, structure=EIGHT): 8-connected components,
   * numbered 1, 2, ... in raster order of their first pixel; with `four`,
   * scipy's default structure: 4-connected (through edges only).
   * Returns {labels: Int32Array, count}.
   */
  function label(mask, four) {
    const { width, height, data } = mask;
    const provisional = new Int32Array(width * height);
    // union-find over provisional labels (typed, grown as needed: no array a pixel)
    let parent = new Int32Array(256);
    let next = 1;
    const find = (a) => {
      while (parent[a] !== a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
      }
      return a;
    };
    /** The root of l joined with the root found so far (0: none yet); the smaller root wins. */
    const join = (current, l) => {
      if (!l) return current;
      const b = find(l);
      if (!current || current === b) return b;
      if (current < b) {
        parent[b] = current;
        return current;
      }
      parent[current] = b;
      return b;
    };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (!data[i]) continue;
        // the neighbours already visited: left, and the row above (its three pixels, or the one above)
        let current = x > 0 ? join(0, provisional[i - 1]) : 0;
        if (y > 0) {
          if (!four && x > 0) current = join(current, provisional[i - width - 1]);
          current = join(current, provisional[i - width]);
          if (!four && x < width - 1) current = join(current, provisional[i - width + 1]);
        }
        if (!current) {
          if (next === parent.length) {
            const grown = new Int32Array(2 * parent.length);
            grown.set(parent);
            parent = grown;
          }
          current = next++;
          parent[current] = current;
        }
        provisional[i] = current;
      }
    }
    // number the components 1, 2, ... in raster order of their first pixel, as scipy does
    const final = new Int32Array(next);
    const labels = new Int32Array(width * height);
    let count = 0;
    for (let i = 0; i < labels.length; i++) {
      const p = provisional[i];
      if (!p) continue;
      const r = find(p);
      if (!final[r]) final[r] = ++count;
      labels[i] = final[r];
    }
    return { labels: labels, count: count };
  }

  /** scipy.ndimage.find_objects and the sizes (pixel counts) of labelled components. */
  function findObjects(labels, count, width, height) {
    const top = new Int32Array(count + 1).fill(height);
    const bottom = new Int32Array(count + 1);
    const left = new Int32Array(count + 1).fill(width);
    const right = new Int32Array(count + 1);
    const sizes = new Float64Array(count + 1);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const l = labels[y * width + x];
        if (!l) continue;
        sizes[l] += 1;
        if (y < top[l]) top[l] = y;
        if (y + 1 > bottom[l]) bottom[l] = y + 1;
        if (x < left[l]) left[l] = x;
        if (x + 1 > right[l]) right[l] = x + 1;
      }
    }
    return { top: top, bottom: bottom, left: left, right: right, sizes: sizes };
  }

  /** One row or column of the exact squared distance transform (Felzenszwalb and Huttenlocher). */
  function squaredDistance1d(f, n, d, v, z) {
    let k = 0;
    v[0] = 0;
    z[0] = -Infinity;
    z[1] = Infinity;
    for (let q = 1; q < n; q++) {
      let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      while (s <= z[k]) {
        k--;
        s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Infinity;
    }
    k = 0;
    for (let q = 0; q < n; q++) {
      while (z[k + 1] < q) k++;
      const dq = q - v[k];
      d[q] = dq * dq + f[v[k]];
    }
  }

  /**
   * The squared distance down each column to the nearest 0 of a mask (big where the column has
   * none): what squaredDistance1d gives for values 0 and big, in two sweeps without divisions.
   */
  function columnDistances(mask, big, out) {
    const { width, height, data } = mask;
    const last = new Float64Array(width).fill(-Infinity); // the row of each column's last 0 so far
    for (let y = 0; y < height; y++) {
      for (let x = 0, i = y * width; x < width; x++, i++) {
        if (!data[i]) last[x] = y;
        const dy = y - last[x];
        out[i] = data[i] ? dy * dy : 0; // Infinity until a 0 was met
      }
    }
    last.fill(Infinity);
    for (let y = height - 1; y >= 0; y--) {
      for (let x = 0, i = y * width; x < width; x++, i++) {
        if (!data[i]) last[x] = y;
        const dy = last[x] - y;
        const d = dy * dy < out[i] ? dy * dy : out[i];
        out[i] = d === Infinity ? big : d;
      }
    }
  }

  /** scipy.ndimage.distance_transform_edt(mask): exact Euclidean distance to the nearest 0 (Float64Array). */
  function distanceTransformEdt(mask) {
    const { width, height } = mask;
    const big = (width + height) * (width + height) + 1; // more than any squared distance
    const n = Math.max(width, height);
    const f = new Float64Array(n);
    const d = new Float64Array(n);
    const v = new Int32Array(n);
    const z = new Float64Array(n + 1);
    const out = new Float64Array(width * height);
    columnDistances(mask, big, out);
    for (let y = 0; y < height; y++) {
      let blank = true;
      for (let x = 0; x < width; x++) {
        f[x] = out[y * width + x];
        if (f[x] !== 0) blank = false;
      }
      if (blank) continue; // a row of 0s is 0 away from a 0 everywhere
      squaredDistance1d(f, width, d, v, z);
      for (let x = 0; x < width; x++) out[y * width + x] = Math.sqrt(d[x]);
    }
    return { width: width, height: height, data: out };
  }

  // ---------------------------------------------------------------------------
  // PIL

  /** PIL's Image.alpha_composite(white, rgba) for one channel value and alpha (AlphaComposite.c). */
  function compositeOverWhite(value, alpha) {
    if (alpha === 0) return 255;
    // white below: outa255 = 255 * 255, coef1 = alpha << 7, coef2 = (255 - alpha) << 7
    const tmp = value * (alpha << 7) + 255 * ((255 - alpha) << 7) + (0x80 << 7);
    return (((tmp >>> 8) + tmp) >>> 8) >>> 7;
  }

  /** to_rgb's values, by alpha * 256 + value: composited over white, then / 255 in float32. */
  let compositeTable = null;
  function getCompositeTable() {
    if (!compositeTable) {
      compositeTable = new Float32Array(65536);
      for (let a = 0; a < 256; a++) {
        for (let v = 0; v < 256; v++) compositeTable[(a << 8) | v] = compositeOverWhite(v, a) / 255;
      }
    }
    return compositeTable;
  }

  /** PIL's precompute_coeffs (Resample.c) for the BOX filter: bounds and normalised weights. */
  function precomputeCoeffs(inSize, outSize) {
    const scale = inSize / outSize;
    const filterscale = scale < 1 ? 1 : scale;
    const support = 0.5 * filterscale;
    const ksize = Math.ceil(support) * 2 + 1;
    const bounds = new Int32Array(outSize * 2);
    const weights = new Float64Array(outSize * ksize);
    for (let xx = 0; xx < outSize; xx++) {
      const center = (xx + 0.5) * scale;
      const ss = 1 / filterscale;
      let xmin = Math.trunc(center - support + 0.5);
      if (xmin < 0) xmin = 0;
      let xmax = Math.trunc(center + support + 0.5);
      if (xmax > inSize) xmax = inSize;
      xmax -= xmin;
      let ww = 0;
      for (let x = 0; x < xmax; x++) {
        const t = (x + xmin - center + 0.5) * ss;
        const w = t > -0.5 && t <= 0.5 ? 1 : 0;
        weights[xx * ksize + x] = w;
        ww += w;
      }
      if (ww !== 0) for (let x = 0; x < xmax; x++) weights[xx * ksize + x] /= ww;
      bounds[xx * 2] = xmin;
      bounds[xx * 2 + 1] = xmax;
    }
    return { ksize: ksize, bounds: bounds, weights: weights };
  }

  /** One horizontal pass of PIL's resampling over one row (float32 image, double sums). */
  function resampleRow(row, rowOffset, stride, coeffs, outSize, out, outOffset, outStride) {
    const { ksize, bounds, weights } = coeffs;
    for (let xx = 0; xx < outSize; xx++) {
      const xmin = bounds[xx * 2];
      const xmax = bounds[xx * 2 + 1];
      const k = xx * ksize;
      let ss = 0;
      for (let x = 0; x < xmax; x++) ss += row[rowOffset + (x + xmin) * stride] * weights[k + x];
      out[outOffset + xx * outStride] = ss;
    }
  }

  /** One vertical pass of PIL's resampling: rows of `stride` values (float32 image, double sums). */
  function resampleColumns(data, stride, coeffs, outSize) {
    const out = new Float32Array(stride * outSize);
    for (let yy = 0; yy < outSize; yy++) {
      const ymin = coeffs.bounds[yy * 2];
      const ymax = coeffs.bounds[yy * 2 + 1];
      const k = yy * coeffs.ksize;
      for (let i = 0; i < stride; i++) {
        let ss = 0;
        for (let y = 0; y < ymax; y++) ss += data[(y + ymin) * stride + i] * coeffs.weights[k + y];
        out[yy * stride + i] = ss;
      }
    }
    return out;
  }

  /** Pillow's choice (ImagingResampleInner): the vertical pass first when the height shrinks much more. */
  function horizontalFirst(width, height, outW, outH) {
    return !(height - outH > 0 && height - outH > (width - outW) * 2);
  }

  /**
   * PIL's Image.resize((outW, outH), Image.Resampling.BOX) of float32 images
   * ("F" mode), channel by channel: two passes (in Pillow's order), float32 in between.
   */
  function resizeBox(image, outW, outH) {
    const { width, height } = image;
    const channels = image.channels || 1;
    let data = image.data;
    let w = width;
    let h = height;
    const horizontal = () => {
      const coeffs = precomputeCoeffs(width, outW);
      const tmp = new Float32Array(outW * h * channels);
      for (let y = 0; y < h; y++) {
        for (let c = 0; c < channels; c++) {
          resampleRow(data, y * w * channels + c, channels, coeffs, outW, tmp, y * outW * channels + c, channels);
        }
      }
      data = tmp;
      w = outW;
    };
    const vertical = () => {
      data = resampleColumns(data, w * channels, precomputeCoeffs(height, outH), outH);
      h = outH;
    };
    if (horizontalFirst(width, height, outW, outH)) {
      if (outW !== width) horizontal();
      if (outH !== height) vertical();
    } else {
      if (outH !== height) vertical();
      if (outW !== width) horizontal();
    }
    const result = { width: outW, height: outH, data: data === image.data ? Float32Array.from(data) : data };
    if (image.channels) result.channels = image.channels;
    return result;
  }

  // ---------------------------------------------------------------------------
  // Masks and small helpers

  function maskOf(image, predicate) {
    const out = newImage(image.width, image.height, Uint8Array);
    for (let i = 0; i < image.data.length; i++) out.data[i] = predicate(image.data[i]) ? 1 : 0;
    return out;
  }

  /** maskOf(image, (v) => v > level) as a plain loop (the hot thresholds: no call a pixel). */
  function above(image, level) {
    const out = newImage(image.width, image.height, Uint8Array);
    const { data } = image;
    for (let i = 0; i < data.length; i++) out.data[i] = data[i] > level ? 1 : 0;
    return out;
  }

  /** The mask of the pixels whose label is chosen (chosen: a Uint8Array by label), as np.isin(labels, ...). */
  function labelsIn(labels, width, height, chosen) {
    const out = newImage(width, height, Uint8Array);
    for (let i = 0; i < labels.length; i++) out.data[i] = chosen[labels[i]];
    return out;
  }

  function sliceImage(image, top, bottom, left, right) {
    const w = right - left;
    const h = bottom - top;
    const out = { width: w, height: h, data: new image.data.constructor(w * h) };
    for (let y = 0; y < h; y++) {
      out.data.set(image.data.subarray((top + y) * image.width + left, (top + y) * image.width + right), y * w);
    }
    return out;
  }

  function transpose(image) {
    const { width, height, data } = image;
    const out = { width: height, height: width, data: new data.constructor(data.length) };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) out.data[x * height + y] = data[y * width + x];
    }
    return out;
  }

  function checkPhoto(photo) {
    const ok =
      photo && Number.isInteger(photo.width) && Number.isInteger(photo.height) && photo.width > 0 &&
      photo.height > 0 && photo.data && photo.data.length >= photo.width * photo.height * 4;
    if (!ok) {
      const what =
        photo && photo.data ? `${photo.width}x${photo.height} with ${photo.data.length} bytes` : String(photo);
      throw new DigitImageError(MESSAGES.badPhoto(what));
    }
  }

  /** Whether a photo has an alpha channel: photo.hasAlpha when given, else whether any pixel is not opaque. */
  function hasAlpha(photo) {
    if (photo.hasAlpha !== undefined && photo.hasAlpha !== null) return !!photo.hasAlpha;
    for (let i = 3; i < photo.width * photo.height * 4; i += 4) if (photo.data[i] !== 255) return true;
    return false;
  }

  /**
   * PIL's image.crop(box) of a photo, as RGBA. Outside the photo PIL gives zeros:
   * black for an RGB (or grey) file, transparent, hence white paper, for one with
   * an alpha channel (see hasAlpha).
   */
  function cropPhoto(photo, box) {
    const [left, top, right, bottom] = box;
    const w = right - left;
    const h = bottom - top;
    const data = new Uint8ClampedArray(w * h * 4);
    const inside = left >= 0 && top >= 0 && right <= photo.width && bottom <= photo.height;
    if (!inside && !hasAlpha(photo)) for (let i = 3; i < data.length; i += 4) data[i] = 255; // black

    for (let y = Math.max(0, top); y < Math.min(bottom, photo.height); y++) {
      const x0 = Math.max(0, left);
      const x1 = Math.min(right, photo.width);
      if (x1 <= x0) continue;
      const from = (y * photo.width + x0) * 4;
      data.set(photo.data.subarray(from, from + (x1 - x0) * 4), ((y - top) * w + (x0 - left)) * 4);
    }
    return { width: w, height: h, data: data };
  }

  // ---------------------------------------------------------------------------
  // The pipeline (labsupport/digits.py, function by function)

  /** Port of _open_file's checks: an empty file or one over MAX_BYTES. */
  function checkFile(size, name) {
    name = name === undefined ? "the upload" : name;
    if (size === 0) throw new DigitImageError(MESSAGES.empty(name));
    if (size > MAX_BYTES) throw new DigitImageError(MESSAGES.tooLarge(name));
  }

  /** Port of open_image's size checks, before decoding: over MAX_PIXELS, or a side under MIN_SIDE. */
  function checkSize(width, height, name) {
    name = name === undefined ? "the upload" : name;
    if (width * height > MAX_PIXELS) throw new DigitImageError(MESSAGES.tooManyPixels(name, width, height));
    if (Math.min(width, height) < MIN_SIDE) throw new DigitImageError(MESSAGES.tooSmall(name, width, height));
  }

  /** Port of _open_file's UnidentifiedImageError message: the error for a file the browser cannot decode. */
  function notAnImage(name) {
    return new DigitImageError(MESSAGES.notAnImage(name === undefined ? "the upload" : name));
  }

  /** Port of open_image for a decoded photo (the browser has applied the EXIF rotation): checks it. */
  function openImage(photo, name) {
    checkPhoto(photo);
    checkSize(photo.width, photo.height, name === undefined ? "the image" : name);
    return photo;
  }

  /** Port of to_grayscale: the plain brightness (PIL's "L") in [0, 1], transparency over white. */
  function toGrayscale(photo) {
    const { width, height, data } = photo;
    const out = newImage(width, height);
    for (let i = 0, p = 0; i < width * height; i++, p += 4) {
      const a = data[p + 3];
      const r = compositeOverWhite(data[p], a);
      const g = compositeOverWhite(data[p + 1], a);
      const b = compositeOverWhite(data[p + 2], a);
      out.data[i] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16) / 255;
    }
    return out;
  }

  /** Port of to_rgb: three channels in [0, 1] (interleaved, channels: 3); transparency over white. */
  function toRgb(photo) {
    const { width, height, data } = photo;
    const table = getCompositeTable();
    const out = { width: width, height: height, channels: 3, data: new Float32Array(width * height * 3) };
    for (let i = 0, p = 0, o = 0; i < width * height; i++, p += 4, o += 3) {
      const a = data[p + 3] << 8;
      out.data[o] = table[a | data[p]];
      out.data[o + 1] = table[a | data[p + 1]];
      out.data[o + 2] = table[a | data[p + 2]];
    }
    return out;
  }

  /** The size downscale shrinks to, or null when the image is small enough already. */
  function downscaleSize(width, height, side) {
    const scale = side / Math.max(height, width);
    if (scale >= 1) return null;
    return [Math.max(1, roundHalfEven(width * scale)), Math.max(1, roundHalfEven(height * scale))];
  }

  /** Port of downscale: shrink so that the longer side is at most `side` pixels (PIL's BOX resampling). */
  function downscale(image, side) {
    const size = downscaleSize(image.width, image.height, side === undefined ? WORK_SIDE : side);
    if (!size) return image;
    return resizeBox(image, size[0], size[1]);
  }

  /** downscale(toRgb(photo)) without the full-size float copy of a large photo (the same numbers). */
  function photoToWork(photo) {
    const size = downscaleSize(photo.width, photo.height, WORK_SIDE);
    if (!size || size[0] === photo.width || size[1] === photo.height) return downscale(toRgb(photo));
    const { width, height, data } = photo;
    const [outW, outH] = size;
    const table = getCompositeTable();
    if (horizontalFirst(width, height, outW, outH)) {
      // each row composited, then shrunk across; then the usual vertical pass
      const coeffs = precomputeCoeffs(width, outW);
      const row = new Float32Array(width * 3);
      const tmp = new Float32Array(outW * height * 3);
      for (let y = 0; y < height; y++) {
        for (let x = 0, p = y * width * 4, o = 0; x < width; x++, p += 4, o += 3) {
          const a = data[p + 3] << 8;
          row[o] = table[a | data[p]];
          row[o + 1] = table[a | data[p + 1]];
          row[o + 2] = table[a | data[p + 2]];
        }
        for (let c = 0; c < 3; c++) resampleRow(row, c, 3, coeffs, outW, tmp, y * outW * 3 + c, 3);
      }
      return resizeBox({ width: outW, height: height, channels: 3, data: tmp }, outW, outH);
    }
    // the vertical pass first, straight from the RGBA bytes; then the usual horizontal pass
    const coeffs = precomputeCoeffs(height, outH);
    const tmp = new Float32Array(width * outH * 3);
    for (let yy = 0; yy < outH; yy++) {
      const ymin = coeffs.bounds[yy * 2];
      const ymax = coeffs.bounds[yy * 2 + 1];
      const k = yy * coeffs.ksize;
      for (let x = 0; x < width; x++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let y = 0; y < ymax; y++) {
          const p = ((y + ymin) * width + x) * 4;
          const a = data[p + 3] << 8;
          const weight = coeffs.weights[k + y];
          s0 += table[a | data[p]] * weight;
          s1 += table[a | data[p + 1]] * weight;
          s2 += table[a | data[p + 2]] * weight;
        }
        const o = (yy * width + x) * 3;
        tmp[o] = s0;
        tmp[o + 1] = s1;
        tmp[o + 2] = s2;
      }
    }
    return resizeBox({ width: width, height: outH, channels: 3, data: tmp }, outW, outH);
  }

  /** Port of local_contrast: each pixel minus the mean of a box of LOCAL_SHARE of the longer side around it. */
  function localContrast(image) {
    const size = Math.max(3, Math.trunc(Math.max(image.height, image.width) * LOCAL_SHARE)) | 1;
    const mean = uniformFilter(image, size);
    const out = { width: image.width, height: image.height, data: new Float32Array(image.data.length) };
    if (image.channels) out.channels = image.channels;
    for (let i = 0; i < out.data.length; i++) out.data[i] = image.data[i] - mean.data[i];
    return out;
  }

  /** Port of ink_is_dark_in: the ink is darker than the paper when the values' skewness is <= 0. */
  function inkIsDarkIn(contrast) {
    const data = contrast.data;
    const n = data.length;
    const mean = f32(pairwiseSum32(data, 0, n) / n);
    const cubes = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const c = f32(data[i] - mean);
      cubes[i] = c * c * c;
    }
    return f32(pairwiseSum32(cubes, 0, n) / n) <= 0;
  }

  /**
   * The second and third central moments of the values, in float32 as numpy computes
   * np.mean(centred**2) and np.mean(centred**3): ink_skewness computes both, ink_is_dark_in
   * the third again (the same number), so that ink_is_dark computes them once.
   */
  function centralMoments(contrast) {
    const data = contrast.data;
    const n = data.length;
    const mean = f32(pairwiseSum32(data, 0, n) / n);
    const squares = new Float32Array(n);
    const cubes = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const c = f32(data[i] - mean);
      squares[i] = c * c;
      cubes[i] = c * c * c;
    }
    return { second: f32(pairwiseSum32(squares, 0, n) / n), third: f32(pairwiseSum32(cubes, 0, n) / n) };
  }

  /** The skewness from centralMoments: 0 for a constant image. */
  function skewnessOf(moments) {
    if (!(moments.second > 0)) return 0;
    return moments.third / Math.pow(moments.second, 1.5);
  }

  /** Port of ink_colour_difference: the mean local contrast, per channel, of the INK_SHARE most ink-like pixels. */
  function inkColourDifference(rgb) {
    // a grey picture (the drawing pad's, a scan): the three channels' local contrasts are the
    // same numbers, computed once (channel: where each channel's contrast is read)
    const grey = isGrey(rgb);
    const contrast = localContrast(grey ? firstChannel(rgb) : rgb);
    const stride = grey ? 1 : 3;
    const channel = grey ? [0, 0, 0] : [0, 1, 2];
    const n = rgb.width * rgb.height;
    const brightness = newImage(rgb.width, rgb.height);
    const c = contrast.data;
    for (let i = 0, p = 0; i < n; i++, p += stride) {
      brightness.data[i] = dot3(c[p + channel[0]], c[p + channel[1]], c[p + channel[2]], LUMA);
    }
    if (inkIsDarkIn(brightness)) for (let i = 0; i < n; i++) brightness.data[i] = -brightness.data[i];
    const level = quantile(brightness.data, 1 - INK_SHARE, true);
    const sums = [0, 0, 0];
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (brightness.data[i] >= level) {
        for (let k = 0; k < 3; k++) sums[k] = f32(sums[k] + c[i * stride + channel[k]]);
        count++;
      }
    }
    return Float32Array.from(sums, (s) => s / count);
  }

  /** The first channel of a colour image, as a one-channel image. */
  function firstChannel(image) {
    const out = newImage(image.width, image.height);
    for (let i = 0; i < out.data.length; i++) out.data[i] = image.data[i * image.channels];
    return out;
  }

  /** Port of colour_weights: each channel counts with the signed square of its ink-paper difference. */
  function colourWeights(difference) {
    const d = Array.from(difference);
    if (Math.abs(d[0]) + Math.abs(d[1]) + Math.abs(d[2]) < 1e-4) return Float32Array.from(LUMA);
    const brighter = LUMA[0] * d[0] + LUMA[1] * d[1] + LUMA[2] * d[2] > 0 ? 1 : -1;
    const weights = d.map((v) => v * v * Math.sign(v) * brighter);
    const total = Math.abs(weights[0]) + Math.abs(weights[1]) + Math.abs(weights[2]);
    return Float32Array.from(weights, (w) => w / total);
  }

  /** Port of colour_to_gray: one channel in [0, 1], a signed weighted mean of the colour channels. */
  function colourToGray(rgb, weights) {
    if (weights === undefined || weights === null) weights = colourWeights(inkColourDifference(rgb));
    const w = Float32Array.from(weights);
    const positive = Array.from(w, (v) => (v > 0 ? v : 0));
    const negative = Array.from(w, (v) => (-v > 0 ? -v : 0));
    const hasNegative = negative.some((v) => v > 0);
    const out = newImage(rgb.width, rgb.height);
    const d = rgb.data;
    for (let i = 0, p = 0; i < out.data.length; i++, p += 3) {
      let gray = dot3(d[p], d[p + 1], d[p + 2], positive);
      if (hasNegative) gray = f32(gray + dot3(f32(1 - d[p]), f32(1 - d[p + 1]), f32(1 - d[p + 2]), negative));
      out.data[i] = gray < 0 ? 0 : gray > 1 ? 1 : gray;
    }
    return out;
  }

  /** Port of ink_skewness: the third central moment over the second's power 1.5 (0 for a constant image). */
  function inkSkewness(contrast) {
    return skewnessOf(centralMoments(contrast));
  }

  /** Port of frame_light_share: share of the frame (FRAME_SHARE of the longer side) above Otsu's threshold. */
  function frameLightShare(gray) {
    const { width, height, data } = gray;
    const k = Math.max(1, Math.trunc(Math.max(height, width) * FRAME_SHARE));
    const level = otsuThreshold(gray);
    let light = 0;
    let count = 0;
    for (let y = 0; y < height; y++) {
      const rowInFrame = y < k || y >= height - k;
      for (let x = 0; x < width; x++) {
        if (!rowInFrame && x >= k && x < width - k) continue;
        count++;
        if (data[y * width + x] > level) light++;
      }
    }
    return light / count;
  }

  /** Port of ink_is_dark: the tail of the local contrast's values, or the frame when the tail is short. */
  function inkIsDark(gray) {
    const moments = centralMoments(localContrast(gray)); // inkSkewness's and inkIsDarkIn's, computed once
    if (Math.abs(skewnessOf(moments)) < SKEW_SURE) {
      const light = frameLightShare(gray);
      if (light >= FRAME_AGREE) return true;
      if (light <= 1 - FRAME_AGREE) return false;
    }
    return moments.third <= 0; // inkIsDarkIn
  }

  /** Port of ink_image: ink bright, paper dark (MNIST's polarity). */
  function inkImage(gray, darkInk) {
    if (darkInk === undefined || darkInk === null) darkInk = inkIsDark(gray);
    const out = newImage(gray.width, gray.height);
    for (let i = 0; i < out.data.length; i++) out.data[i] = darkInk ? 1 - gray.data[i] : gray.data[i];
    return out;
  }

  /** Port of background_window: the odd side of remove_background's window, wider than any pen stroke. */
  function backgroundWindow(shape, stroke) {
    const [h, w] = Array.isArray(shape) ? shape : [shape.height, shape.width];
    const longest = Math.max(h, w);
    const smallest = Math.max(3, Math.trunc(longest * BACKGROUND_SHARE));
    const largest = Math.max(smallest, Math.trunc(longest * BACKGROUND_MAX_SHARE));
    const wanted = roundHalfEven(BACKGROUND_PER_STROKE * (stroke || 0));
    return Math.min(Math.max(wanted, smallest), largest) | 1;
  }

  /** Port of local_stroke_width: width of the wider strokes, Otsu's threshold on the ink image around the digit. */
  function localStrokeWidth(ink, digitMask, percentile) {
    const [top, bottom, left, right] = boundingBox(digitMask);
    const margin = Math.floor(Math.max(bottom - top, right - left) / 10) + 1;
    const patch = sliceImage(
      ink,
      Math.max(0, top - margin), Math.min(ink.height, bottom + margin),
      Math.max(0, left - margin), Math.min(ink.width, right + margin)
    );
    const clipped = new Float32Array(patch.data.length);
    for (let i = 0; i < clipped.length; i++) {
      const v = patch.data[i];
      clipped[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    const level = otsuThreshold(clipped);
    return strokeWidth(above(patch, level), percentile === undefined ? 90 : percentile);
  }

  /** Port of remove_background: subtract a smoothed grey-level opening; the strongest ink becomes 1. */
  function removeBackground(ink, window) {
    const size =
      window === undefined || window === null ? backgroundWindow(ink) : Math.max(3, Math.trunc(window)) | 1;
    const background = uniformFilter(greyOpening(ink, size, size), size);
    const flat = newImage(ink.width, ink.height);
    for (let i = 0; i < flat.data.length; i++) {
      const v = f32(ink.data[i] - background.data[i]);
      flat.data[i] = v < 0 ? 0 : v;
    }
    const top = quantile(flat.data, 1 - MIN_DIGIT_SHARE, true);
    if (top < f32(MIN_CONTRAST)) throw new DigitImageError(MESSAGES.blank(top));
    for (let i = 0; i < flat.data.length; i++) {
      const v = f32(flat.data[i] / top);
      flat.data[i] = v > 1 ? 1 : v;
    }
    return flat;
  }

  /**
   * remove_lines' `found`, (min(grey_opening(maximum_filter(a, (2 tilt + 1, 1)), (1, run)), a) > faint),
   * from the mask a > faint alone: a threshold passes through minima and maxima (the maximum
   * of some values is above it when one of them is, the minimum when all are), so the grey
   * filters on the mask's 0s and 1s give the same pixels, and binary filters are cheaper.
   * The grey values are needed only where lines are taken out.
   */
  function lineCandidates(a, faint, tilt, run) {
    const ink = above(a, faint);
    const widened = binaryFilter1d(ink, 0, -tilt, tilt, true);
    // greyOpening(widened, 1, run): erosion, then dilation (the origin moved for an even run)
    const [lo, hi] = windowOffsets(run, 0);
    const eroded = binaryFilter1d(widened, 1, lo, hi, false);
    const [dlo, dhi] = windowOffsets(run, run % 2 === 0 ? -1 : 0);
    const found = binaryFilter1d(eroded, 1, dlo, dhi, true);
    for (let i = 0; i < found.data.length; i++) found.data[i] &= ink.data[i];
    return found;
  }

  /** [top, bottom, left, right] (end-exclusive) of the pixels above level; all 0 when there are none. */
  function extentAbove(image, level) {
    const { width, height, data } = image;
    let top = height;
    let bottom = 0;
    let left = width;
    let right = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0, i = y * width; x < width; x++, i++) {
        if (!(data[i] > level)) continue;
        if (y < top) top = y;
        bottom = y + 1;
        if (x < left) left = x;
        if (x + 1 > right) right = x + 1;
      }
    }
    return bottom ? [top, bottom, left, right] : [0, 0, 0, 0];
  }

  /** Port of remove_lines: take out ruled and grid lines (long straight horizontal or vertical runs). */
  function removeLines(flat, aroundDigit) {
    const out = Float32Array.from(flat.data);
    const faint = f32(0.5 * WEAK_SHARE * strongInkLevel(flat));
    // a line lies within the ink above faint (see lineCandidates) and spans LINE_SPAN_SHARE of the
    // side: along an axis the ink spans less of, there is none to find (Python's search finds none)
    const [top, bottom, left, right] = extentAbove(flat, faint);
    for (const axis of [0, 1]) {
      const spread = axis === 0 ? right - left : bottom - top;
      if (spread < LINE_SPAN_SHARE * (axis === 0 ? flat.width : flat.height)) continue;
      const a = axis === 0 ? flat : transpose(flat);
      const h = a.height;
      const w = a.width;
      const run = Math.max(3, Math.trunc(w * LINE_RUN_SHARE));
      const tilt = Math.max(1, roundHalfEven(h * LINE_TILT_SHARE));
      const found = lineCandidates(a, faint, tilt, run);
      const { labels, count } = label(found);
      if (count === 0) continue;
      const objects = findObjects(labels, count, w, h);
      const widest = aroundDigit ? h : LINE_WIDTH_SHARE * h;
      const isLine = new Uint8Array(count + 1);
      let longOnes = 0;
      for (let l = 1; l <= count; l++) {
        const span = objects.right[l] - objects.left[l];
        if (span >= LINE_SPAN_SHARE * w && objects.sizes[l] / span <= widest) {
          isLine[l] = 1;
          longOnes++;
        }
      }
      if (longOnes < (aroundDigit ? 1 : MIN_LINES)) continue;
      const widened = extremeFilter1d(a, 0, -tilt, tilt, true);
      const lines = greyOpening(widened, 1, run);
      for (let i = 0; i < lines.data.length; i++) if (a.data[i] < lines.data[i]) lines.data[i] = a.data[i];
      const lineMask = binaryMaximumFilter(labelsIn(labels, w, h, isLine), 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if (!lineMask.data[i]) continue;
          const o = axis === 0 ? i : x * h + y;
          out[o] = out[o] - lines.data[i];
        }
      }
    }
    for (let i = 0; i < out.length; i++) out[i] = out[i] < 0 ? 0 : out[i] > 1 ? 1 : out[i];
    return { width: flat.width, height: flat.height, data: out };
  }

  /** Port of otsu_threshold: np.histogram over [0, 1] in `bins` bins, the upper edge of the best split. */
  function otsuThreshold(values, bins) {
    bins = bins || 256;
    const data = values.data || values;
    const hist = new Float64Array(bins);
    const edges = new Float64Array(bins + 1); // k / bins, computed once rather than twice a pixel
    for (let k = 0; k <= bins; k++) edges[k] = k / bins;
    let total = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v === 0) {
        hist[0]++; // most pixels of an ink image: bin 0, whatever the bins
        total++;
        continue;
      }
      if (!(v >= 0 && v <= 1)) continue;
      let k = Math.floor(v * bins);
      if (k >= bins) k = bins - 1;
      while (k > 0 && v < edges[k]) k--;
      while (k < bins - 1 && v >= edges[k + 1]) k++;
      hist[k]++;
      total++;
    }
    const norm = Math.max(total, 1);
    const w0 = new Float64Array(bins);
    const mu = new Float64Array(bins);
    let cw = 0;
    let cm = 0;
    for (let k = 0; k < bins; k++) {
      const p = hist[k] / norm;
      const centre = f32((f32(k / bins) + f32((k + 1) / bins)) / 2);
      cw += p;
      cm += p * centre;
      w0[k] = cw;
      mu[k] = cm;
    }
    let best = 0;
    let bestK = 0;
    for (let k = 0; k < bins; k++) {
      const w1 = 1 - w0[k];
      let between = 0;
      if (w0[k] > 0 && w1 > 0) {
        const t = mu[bins - 1] * w0[k] - mu[k];
        between = (t * t) / (w0[k] * w1);
      }
      if (between > best) {
        best = between;
        bestK = k;
      }
    }
    return f32((bestK + 1) / bins);
  }

  /** Port of strong_ink_level: Otsu's threshold, never below MIN_INK. */
  function strongInkLevel(flat) {
    return Math.max(otsuThreshold(flat), MIN_INK);
  }

  /** Port of ink_mask: strong ink (above Otsu) and the weak ink connected to it (hysteresis). */
  function inkMask(flat, weakShare) {
    weakShare = weakShare === undefined ? WEAK_SHARE : weakShare;
    const strongLevel = strongInkLevel(flat);
    const weakLevel = f32(weakShare * strongLevel);
    const { labels, count } = label(above(flat, weakLevel));
    const keep = new Uint8Array(count + 1);
    for (let i = 0; i < flat.data.length; i++) if (flat.data[i] > strongLevel) keep[labels[i]] = 1;
    keep[0] = 0;
    return labelsIn(labels, flat.width, flat.height, keep);
  }

  /** Port of select_digit: the largest blob of ink and the pieces near it, without specks and border marks. */
  function selectDigit(mask, near) {
    near = near === undefined ? NEAR_SHARE : near;
    const { width, height } = mask;
    const { labels, count } = label(mask);
    if (count === 0) throw new DigitImageError(MESSAGES.noInk());
    const objects = findObjects(labels, count, width, height);
    const sizes = objects.sizes;
    const touchesBorder = (l) =>
      objects.top[l] === 0 || objects.left[l] === 0 || objects.bottom[l] === height || objects.right[l] === width;
    const all = [];
    for (let l = 1; l <= count; l++) all.push(l);
    const inner = all.filter((l) => !touchesBorder(l));
    const largestOf = (labels) => labels.reduce((most, l) => (sizes[l] > most ? sizes[l] : most), 0);
    const candidates = inner.length && largestOf(inner) >= 0.2 * largestOf(all) ? inner : all;
    const biggest = largestOf(candidates);
    if (biggest < MIN_DIGIT_SHARE * width * height) throw new DigitImageError(MESSAGES.specks());
    const isPiece = new Uint8Array(count + 1);
    for (const l of candidates) if (sizes[l] >= PIECE_SHARE * biggest) isPiece[l] = 1;
    const keep = new Uint8Array(count + 1);
    keep[candidates.find((l) => sizes[l] === biggest)] = 1;
    const digitOf = () => labelsIn(labels, width, height, keep);
    // only pieces not kept yet can join: with none left, Python's round finds none and stops
    const waiting = () => candidates.some((l) => isPiece[l] && !keep[l]);
    while (near > 0 && waiting()) {
      const digit = digitOf();
      const [top, bottom, left, right] = boundingBox(digit);
      const reach = Math.max(1, roundHalfEven(near * Math.max(bottom - top, right - left)));
      const around = binaryMaximumFilter(digit, 2 * reach + 1);
      let joined = false;
      for (let i = 0; i < labels.length; i++) {
        const l = labels[i];
        if (l && around.data[i] && isPiece[l] && !keep[l]) {
          keep[l] = 1;
          joined = true;
        }
      }
      if (!joined) break;
    }
    return digitOf();
  }

  /** Port of bounding_box: [top, bottom, left, right] of the nonzero pixels, end-exclusive. */
  function boundingBox(mask) {
    const { width, height, data } = mask;
    let top = height;
    let bottom = -1;
    let left = width;
    let right = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!data[y * width + x]) continue;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
    if (bottom < 0) throw new DigitImageError(MESSAGES.noDigit());
    return [top, bottom + 1, left, right + 1];
  }

  /**
   * Port of stroke_width: twice the given percentile of the distance to the background along the
   * strokes' ridge, leaving out the hairs of a thick stroke's ragged edge (HAIR_SHARE).
   */
  function strokeWidth(mask, percentile) {
    percentile = percentile === undefined ? 50 : percentile;
    const { width, height, data } = mask;
    let any = false;
    for (let i = 0; i < data.length && !any; i++) if (data[i]) any = true;
    if (!any) return 0;
    const padded = newImage(width + 2, height + 2, Uint8Array);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) padded.data[(y + 1) * (width + 2) + x + 1] = data[y * width + x] ? 1 : 0;
    }
    const distance = distanceTransformEdt(padded).data;
    // the ridge: stroke pixels at least as far from the background as each of their 8 neighbours
    // (distance >= maximum_filter(distance, size=3)); a stroke pixel is never on the padded
    // border, so its neighbours are all inside and the filter's border never matters
    const ridge = [];
    const w = width + 2;
    for (let i = 0; i < padded.data.length; i++) {
      if (!padded.data[i]) continue;
      const v = distance[i];
      if (v >= distance[i - w - 1] && v >= distance[i - w] && v >= distance[i - w + 1] && v >= distance[i - 1] &&
          v >= distance[i + 1] && v >= distance[i + w - 1] && v >= distance[i + w] && v >= distance[i + w + 1]) {
        ridge.push(i);
      }
    }
    let depths = ridge.map((i) => distance[i]);
    let deepest = 0;
    for (const v of depths) if (v > deepest) deepest = v;
    const radius = Math.floor(deepest / 2);
    if (radius >= 2) {
      const near = maximumFilter({ width: w, height: height + 2, data: distance }, 2 * radius + 1, 2 * radius + 1).data;
      depths = ridge.filter((i) => distance[i] >= HAIR_SHARE * near[i]).map((i) => distance[i]);
    }
    return 2 * quantile(depths, percentile / 100, false);
  }

  /** Port of stroke_in_box: strokeWidth of the ink in pixels of the 20x20 box it will be fitted into (0 without ink). */
  function strokeInBox(image) {
    const mask = above(image, 0);
    if (!mask.data.some((v) => v)) return 0;
    const [top, bottom, left, right] = boundingBox(mask);
    return (strokeWidth(mask) * BOX) / Math.max(bottom - top, right - left);
  }

  /** Port of crop_digit: the digit's own ink, cut out to its bounding box; everything else black. */
  function cropDigit(flat, digitMask) {
    const [top, bottom, left, right] = boundingBox(digitMask);
    const kept = newImage(flat.width, flat.height);
    for (let i = 0; i < kept.data.length; i++) kept.data[i] = digitMask.data[i] ? flat.data[i] : 0;
    return sliceImage(kept, top, bottom, left, right);
  }

  /** Port of _disc: a round footprint (Uint8Array diameter*diameter) of the given diameter. */
  function disc(diameter) {
    const r = (diameter - 1) / 2;
    const out = new Uint8Array(diameter * diameter);
    for (let y = 0; y < diameter; y++) {
      for (let x = 0; x < diameter; x++) {
        const yy = y - r;
        const xx = x - r;
        out[y * diameter + x] = yy * yy + xx * xx <= r * r + 0.5 ? 1 : 0;
      }
    }
    return out;
  }

  /** Port of _with_box, padded by one pixel of background: the ink, with box's outline when a box is given. */
  function paddedInk(mask, box) {
    const width = mask.width + 2;
    const out = newImage(width, mask.height + 2, Uint8Array);
    for (let y = 0; y < mask.height; y++) {
      const from = y * mask.width;
      const to = (y + 1) * width + 1;
      for (let x = 0; x < mask.width; x++) out.data[to + x] = mask.data[from + x] ? 1 : 0;
    }
    if (box) {
      const [top, bottom, left, right] = box;
      for (let x = left; x < right; x++) out.data[(top + 1) * width + x + 1] = out.data[bottom * width + x + 1] = 1;
      for (let y = top; y < bottom; y++) out.data[(y + 1) * width + left + 1] = out.data[(y + 1) * width + right] = 1;
    }
    return out;
  }

  /** The background of a Uint8Array mask: 1 where it is 0. */
  function inverted(mask) {
    const out = newImage(mask.width, mask.height, Uint8Array);
    for (let i = 0; i < out.data.length; i++) out.data[i] = mask.data[i] ? 0 : 1;
    return out;
  }

  /** scipy.ndimage.binary_dilation(mask, structure=CROSS): a pixel or one of its four edge neighbours set. */
  function crossDilation(mask) {
    const { width, height, data } = mask;
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (!data[i]) continue;
        out[i] = 1;
        if (x > 0) out[i - 1] = 1;
        if (x < width - 1) out[i + 1] = 1;
        if (y > 0) out[i - width] = 1;
        if (y < height - 1) out[i + width] = 1;
      }
    }
    return out;
  }

  /**
   * Port of count_holes: 4-connected background regions not reaching the border, into which a round spot
   * minSide across fits; with box ([top, bottom, left, right]) drawn round the ink first, the gaps too.
   */
  function countHoles(mask, minSide, box) {
    minSide = minSide || 0;
    const background = inverted(paddedInk(mask, box));
    const { labels, count } = label(background, true);
    if (count === 0) return 0;
    const distance = distanceTransformEdt(background).data;
    const depth = new Float64Array(count + 1);
    for (let i = 0; i < labels.length; i++) if (distance[i] > depth[labels[i]]) depth[labels[i]] = distance[i];
    const outside = labels[0];
    let holes = 0;
    for (let l = 1; l <= count; l++) if (l !== outside && depth[l] >= minSide / 2) holes++;
    return holes;
  }

  /**
   * Port of holes_and_gaps: the thin digit's holes and gaps (not the box's corners, by GAP_INK_SHARE).
   * Returns {labels (of the padded image), count (of labels), mouth (background next to the box's outline where
   * it is not ink), ids, gaps (a Set)}.
   */
  function holesAndGaps(mask) {
    const ink = paddedInk(mask);
    const boxed = paddedInk(mask, boundingBox(mask));
    const background = inverted(boxed);
    const { labels, count } = label(background, true);
    const boxOnly = newImage(ink.width, ink.height, Uint8Array);
    for (let i = 0; i < boxOnly.data.length; i++) boxOnly.data[i] = boxed.data[i] && !ink.data[i] ? 1 : 0;
    const nearBox = crossDilation(boxOnly);
    const nearInk = crossDilation(ink);
    const mouth = new Uint8Array(labels.length);
    const onInk = new Int32Array(count + 1);
    const onBox = new Int32Array(count + 1);
    for (let i = 0; i < labels.length; i++) {
      if (!background.data[i]) continue;
      mouth[i] = nearBox[i];
      onInk[labels[i]] += nearInk[i];
      onBox[labels[i]] += nearBox[i];
    }
    const outside = labels[0];
    const ids = [];
    const gaps = new Set();
    for (let l = 1; l <= count; l++) {
      if (l === outside || onInk[l] < GAP_INK_SHARE * (onInk[l] + onBox[l])) continue;
      ids.push(l);
      if (onBox[l] > 0) gaps.add(l);
    }
    return { labels: labels, count: count, mouth: mouth, ids: ids, gaps: gaps };
  }

  /**
   * Port of open_regions: {spot, mouth}, the Sets of the labels of the holes and gaps of `regions` into
   * which a round spot minSide across still fits, and of the gaps out of which it can still move.
   */
  function openRegions(mask, regions, minSide) {
    const ink = paddedInk(mask);
    const distance = distanceTransformEdt(inverted(ink)).data;
    const wanted = new Uint8Array(regions.count + 1); // 1: a hole, 2: a gap
    for (const l of regions.ids) wanted[l] = regions.gaps.has(l) ? 2 : 1;
    const spots = newImage(ink.width, ink.height, Uint8Array);
    for (let i = 0; i < spots.data.length; i++) {
      spots.data[i] = wanted[regions.labels[i]] && distance[i] > 0 && distance[i] >= minSide / 2 ? 1 : 0;
    }
    const { labels: pieces, count } = label(spots, true);
    const atMouth = new Uint8Array(count + 1);
    for (let i = 0; i < pieces.length; i++) if (regions.mouth[i]) atMouth[pieces[i]] = 1;
    const spot = new Set();
    const mouth = new Set();
    for (let i = 0; i < pieces.length; i++) {
      if (!pieces[i]) continue;
      const region = regions.labels[i];
      spot.add(region);
      if (wanted[region] === 2 && atMouth[pieces[i]]) mouth.add(region);
    }
    return { spot: spot, mouth: mouth };
  }

  /**
   * Port of grow_keeping_holes: the round grey dilation (at most change + 1 across) that keeps every hole and gap
   * as open as it was; the full one first, else found by halving.
   */
  function growKeepingHoles(image, change, minSide) {
    minSide = minSide || 0;
    const mask = maskOf(image, (v) => v > 0);
    const regions = holesAndGaps(mask);
    const before = openRegions(mask, regions, minSide);
    const within = (a, b) => [...a].every((r) => b.has(r));
    let best = image;
    let low = 1;
    let high = change;
    let step = change; // the full growth first: most digits have nothing that it fills
    while (low <= high) {
      const grown = footprintFilter(image, disc(step + 1), step + 1, true);
      if (!before.spot.size) return grown;
      const after = openRegions(maskOf(grown, (v) => v > 0), regions, minSide);
      if (within(before.spot, after.spot) && within(before.mouth, after.mouth)) {
        best = grown;
        low = step + 1;
      } else {
        high = step - 1;
      }
      step = Math.floor((low + high) / 2);
    }
    return best === image ? { width: image.width, height: image.height, data: Float32Array.from(image.data) } : best;
  }

  /** Port of enlarge: each pixel a k x k block, k the smallest whole number making the longer side `side` or more. */
  function enlarge(crop, side) {
    side = side === undefined ? ENLARGE_BELOW : side;
    const k = Math.ceil(side / Math.max(crop.height, crop.width));
    if (k <= 1) return crop;
    const out = newImage(crop.width * k, crop.height * k);
    for (let y = 0; y < out.height; y++) {
      const from = Math.floor(y / k) * crop.width;
      for (let x = 0; x < out.width; x++) out.data[y * out.width + x] = crop.data[from + Math.floor(x / k)];
    }
    return out;
  }

  /**
   * Port of set_stroke_width: a small crop enlarged first; grey dilation of thin strokes (growKeepingHoles unless
   * keepHoles is false), grey erosion of thick ones.
   */
  function setStrokeWidth(crop, inBox, keepHoles) {
    inBox = inBox === undefined ? STROKE_WIDTH_IN_BOX : inBox;
    keepHoles = keepHoles === undefined ? true : keepHoles;
    crop = enlarge(crop);
    const width = strokeWidth(above(crop, 0));
    if (!width) return { width: crop.width, height: crop.height, data: Float32Array.from(crop.data) };
    const wanted = (inBox * Math.max(crop.height, crop.width)) / BOX;
    let change = roundHalfEven(wanted - width);
    if (change >= 1) {
      const grown = newImage(crop.width + 2 * change, crop.height + 2 * change);
      for (let y = 0; y < crop.height; y++) {
        grown.data.set(crop.data.subarray(y * crop.width, (y + 1) * crop.width), (y + change) * grown.width + change);
      }
      if (keepHoles) return growKeepingHoles(grown, change, (HOLE_IN_BOX * Math.max(crop.height, crop.width)) / BOX);
      return footprintFilter(grown, disc(change + 1), change + 1, true);
    }
    change = Math.min(-change, Math.trunc(width / 2));
    if (change >= 1) return footprintFilter(crop, disc(change + 1), change + 1, false);
    return { width: crop.width, height: crop.height, data: Float32Array.from(crop.data) };
  }

  /** Port of fit_box: cut the black margin, resize (PIL BOX) so the longer side is 20, strongest ink 1. */
  function fitBox(crop) {
    const [top, bottom, left, right] = boundingBox(above(crop, 0));
    const cut = sliceImage(crop, top, bottom, left, right);
    const scale = BOX / Math.max(cut.height, cut.width);
    const w = Math.max(1, roundHalfEven(cut.width * scale));
    const h = Math.max(1, roundHalfEven(cut.height * scale));
    const small = resizeBox(cut, w, h);
    const positive = [];
    for (let i = 0; i < small.data.length; i++) {
      if (small.data[i] < 0) small.data[i] = 0;
      if (small.data[i] > 0) positive.push(small.data[i]);
    }
    const peak = positive.length ? quantile(positive, 95 / 100, true) : 1;
    const divisor = peak >= 1e-6 ? peak : f32(1e-6);
    for (let i = 0; i < small.data.length; i++) {
      const v = f32(small.data[i] / divisor);
      small.data[i] = v > 1 ? 1 : v;
    }
    return small;
  }

  /** Port of center_by_mass: place in 28x28 with the centre of mass in the middle; uint8, ink 255. */
  function centerByMass(digit) {
    const field = new Float32Array(FIELD * FIELD);
    const top = (FIELD - digit.height) >> 1;
    const left = (FIELD - digit.width) >> 1;
    for (let y = 0; y < digit.height; y++) {
      for (let x = 0; x < digit.width; x++) field[(top + y) * FIELD + left + x] = digit.data[y * digit.width + x];
    }
    const normalizer = pairwiseSum32(field, 0, field.length);
    const rowMoments = new Float64Array(field.length);
    const colMoments = new Float64Array(field.length);
    let rowMin = FIELD;
    let rowMax = -1;
    let colMin = FIELD;
    let colMax = -1;
    for (let y = 0; y < FIELD; y++) {
      for (let x = 0; x < FIELD; x++) {
        const v = field[y * FIELD + x];
        rowMoments[y * FIELD + x] = v * y;
        colMoments[y * FIELD + x] = v * x;
        if (v > 0) {
          rowMin = Math.min(rowMin, y);
          rowMax = Math.max(rowMax, y);
          colMin = Math.min(colMin, x);
          colMax = Math.max(colMax, x);
        }
      }
    }
    const cy = pairwiseSum64(rowMoments, 0, field.length) / normalizer;
    const cx = pairwiseSum64(colMoments, 0, field.length) / normalizer;
    let dy = roundHalfEven((FIELD - 1) / 2 - cy);
    let dx = roundHalfEven((FIELD - 1) / 2 - cx);
    dy = Math.min(Math.max(dy, -rowMin), FIELD - 1 - rowMax);
    dx = Math.min(Math.max(dx, -colMin), FIELD - 1 - colMax);
    const out = new Uint8Array(FIELD * FIELD);
    for (let y = 0; y < FIELD; y++) {
      for (let x = 0; x < FIELD; x++) {
        const sy = (((y - dy) % FIELD) + FIELD) % FIELD;
        const sx = (((x - dx) % FIELD) + FIELD) % FIELD;
        out[y * FIELD + x] = roundHalfEven(f32(field[sy * FIELD + sx] * 255));
      }
    }
    return out;
  }

  /** Port of find_digit: remove_background, remove_lines, ink_mask and select_digit in a row. */
  function findDigit(ink, window, aroundDigit) {
    const flat = removeLines(removeBackground(ink, window), !!aroundDigit);
    const mask = inkMask(flat);
    return { flat: flat, mask: mask, digitMask: selectDigit(mask) };
  }

  /** Port of zoom_box: [left, top, right, bottom] in the full-size photo around a small digit, or null. */
  function zoomBox(digitMask, fullSize) {
    const h = digitMask.height;
    const w = digitMask.width;
    const [top, bottom, left, right] = boundingBox(digitMask);
    const longest = Math.max(bottom - top, right - left);
    const scale = Math.max(fullSize[0], fullSize[1]) / Math.max(h, w);
    if (longest >= ZOOM_BELOW * Math.max(h, w) || scale < ZOOM_GAIN) return null;
    const margin = ZOOM_MARGIN * longest;
    const box = [
      Math.max(0, left - margin),
      Math.max(0, top - margin),
      Math.min(w, right + margin),
      Math.min(h, bottom + margin),
    ];
    return box.map((v) => roundHalfEven(v * scale));
  }

  /** Port of _steps: every step after open_image, on a photo (or a piece of it). */
  function steps(photo, zoom) {
    zoom = zoom || null;
    const rgb = photoToWork(photo);
    const weights = colourWeights(inkColourDifference(rgb));
    const gray = colourToGray(rgb, weights);
    const dark = inkIsDark(gray);
    const ink = inkImage(gray, dark);
    let window = backgroundWindow(ink);
    let found = findDigit(ink, window, zoom !== null);
    const wider = backgroundWindow(ink, localStrokeWidth(ink, found.digitMask));
    if (wider > window) {
      window = wider;
      found = findDigit(ink, window, zoom !== null);
    }
    const crop = cropDigit(found.flat, found.digitMask);
    const stroked = setStrokeWidth(crop);
    const fitted = fitBox(stroked);
    const digit = centerByMass(fitted);
    return {
      photo: photo,
      rgb: rgb,
      gray: gray,
      ink: ink,
      flat: found.flat,
      mask: found.mask,
      digitMask: found.digitMask,
      crop: crop,
      stroked: stroked,
      fitted: fitted,
      digit: digit,
      darkInk: dark,
      weights: weights,
      window: window,
      strokeInBox: strokeInBox(enlarge(crop)),
      strokedInBox: strokeInBox(stroked),
      zoom: zoom,
    };
  }

  /**
   * Port of preprocess: the whole pipeline on a photo {width, height, data: RGBA bytes}.
   * Returns the steps; steps.digit is the 28x28 Uint8Array in MNIST's convention.
   * Throws DigitImageError for anything Python raises it for.
   */
  function preprocess(photo) {
    openImage(photo);
    let result = steps(photo, null);
    const box = zoomBox(result.digitMask, [photo.width, photo.height]);
    if (box !== null) {
      try {
        result = steps(cropPhoto(photo, box), box);
        result.photo = photo;
      } catch (e) {
        if (!(e instanceof DigitImageError)) throw e; // nothing usable in the piece: keep the first look
      }
    }
    return result;
  }

  /** Port of ink_statistics: median stroke width, share of ink pixels and mean ink value of 28x28 digits. */
  function inkStatistics(images) {
    const median = (values) => quantile(values, 0.5, false);
    const widths = [];
    const shares = [];
    const values = [];
    for (const d of images) {
      const image = { width: FIELD, height: FIELD, data: d };
      widths.push(strokeWidth(maskOf(image, (v) => v > 127)));
      let ink = 0;
      let sum = 0;
      let positive = 0;
      for (let i = 0; i < d.length; i++) {
        if (d[i] > 127) ink++;
        if (d[i] > 0) {
          sum += d[i];
          positive++;
        }
      }
      shares.push(ink / d.length);
      if (positive) values.push(sum / positive);
    }
    return { strokeWidth: median(widths), inkShare: median(shares), inkValue: median(values) };
  }

  return {
    // constants
    MAX_PIXELS, MAX_BYTES, MIN_SIDE, MIN_CONTRAST, MIN_DIGIT_SHARE, WORK_SIDE, BOX, FIELD, LUMA, INK_SHARE,
    LOCAL_SHARE, BACKGROUND_SHARE, BACKGROUND_PER_STROKE, BACKGROUND_MAX_SHARE, LINE_RUN_SHARE,
    LINE_SPAN_SHARE, LINE_TILT_SHARE, MIN_LINES, LINE_WIDTH_SHARE, MIN_INK, WEAK_SHARE, EIGHT, NEAR_SHARE,
    PIECE_SHARE, HAIR_SHARE, STROKE_WIDTH_IN_BOX, ENLARGE_BELOW, RESAMPLE, ZOOM_BELOW, ZOOM_MARGIN, ZOOM_GAIN, SKEW_SURE, FRAME_SHARE,
    FRAME_AGREE, HOLE_IN_BOX, GAP_INK_SHARE,
    // errors
    DigitImageError, MESSAGES, checkFile, checkSize, notAnImage,
    // the pipeline
    openImage, toGrayscale, toRgb, downscale, localContrast, inkIsDarkIn, inkColourDifference, colourWeights,
    colourToGray, inkSkewness, frameLightShare, inkIsDark, inkImage, backgroundWindow, localStrokeWidth, removeBackground, removeLines,
    otsuThreshold, strongInkLevel, inkMask, selectDigit, boundingBox, strokeWidth, cropDigit, disc,
    strokeInBox, enlarge, countHoles, holesAndGaps, openRegions, growKeepingHoles, setStrokeWidth, fitBox, centerByMass, findDigit, zoomBox, steps, preprocess, inkStatistics,
    // the library routines, for tests
    lib: {
      roundHalfEven, pairwiseSum32, pairwiseSum64, quantile, reflectIndex, maximumFilter, minimumFilter,
      greyOpening, footprintFilter, uniformFilter, label, findObjects, distanceTransformEdt,
      compositeOverWhite, resizeBox, hasAlpha, cropPhoto, photoToWork, formatFixed2,
    },
  };
});
