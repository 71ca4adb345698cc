"""Accuracy of the three models on a folder of digit photos, old vs new preprocessing.

Usage (from the repository root)::

    python benchmarks/own_digits.py DIR

``DIR`` holds images named ``<label>_<anything>.png|jpg|jpeg``. The models are
the current profile's (``LABSUPPORT_PROFILE``), from the model cache; any
missing one is trained first. Prints each file's predictions, the top-1
accuracy of every model with each pipeline, and as its last line
``new-pipeline augmented-CNN accuracy: X.XXX``.
"""

from __future__ import annotations

import sys

import numpy as np

from labsupport import cache, digits
from labsupport.profile import get_profile


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0])
        print("usage: python benchmarks/own_digits.py DIR")
        return 2
    try:
        files = digits.labelled_files(argv[0])
    except digits.DigitImageError as e:
        print(f"error: {e}")
        return 2
    profile = get_profile()
    print(f"{len(files)} images in {argv[0]}; {profile.name} profile")
    models = {name: cache.get_model(name, profile) for name in digits.MODEL_NAMES}

    labels = np.array([label for _, label in files])
    inputs = {"old": [], "new": []}
    failed = {"old": [], "new": []}
    for path, _ in files:
        for pipeline, run in (("old", digits.original_pipeline), ("new", lambda p: digits.preprocess(p).digit)):
            try:
                inputs[pipeline].append(run(path))
                failed[pipeline].append("")
            except digits.DigitImageError as e:
                inputs[pipeline].append(np.zeros((28, 28), np.uint8))
                failed[pipeline].append(str(e))
    predictions = {
        pipeline: {name: p.argmax(axis=1) for name, p in digits.predict(models, np.stack(inputs[pipeline])).items()}
        for pipeline in ("old", "new")
    }

    header = f"{'file':<28}{'label':>6}" + "".join(
        f"{pipeline + ' ' + short:>11}" for pipeline in ("old", "new") for short in ("dense", "cnn", "aug")
    )
    print(header)
    for i, (path, label) in enumerate(files):
        row = f"{path.name[:27]:<28}{label:>6}"
        for pipeline in ("old", "new"):
            for name in digits.MODEL_NAMES:
                guess = "err" if failed[pipeline][i] else str(predictions[pipeline][name][i])
                mark = "" if guess == str(label) else "*"
                row += f"{guess + mark:>11}"
        print(row)
    for pipeline in ("old", "new"):
        for i, message in enumerate(failed[pipeline]):
            if message:
                print(f"{pipeline} pipeline could not read {files[i][0].name}: {message}")

    print()
    print(f"{'top-1 accuracy':<16}" + "".join(f"{name:>15}" for name in digits.MODEL_NAMES))
    result = {}
    for pipeline in ("old", "new"):
        row = f"{pipeline + ' pipeline':<16}"
        for name in digits.MODEL_NAMES:
            ok = (predictions[pipeline][name] == labels) & np.array([not m for m in failed[pipeline]])
            result[pipeline, name] = ok.mean()
            row += f"{ok.mean():>15.3f}"
        print(row)
    print(f"new-pipeline augmented-CNN accuracy: {result['new', 'augmented_cnn']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
