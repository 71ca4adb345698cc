"""Build and training speed on this machine, in the current profile.

Usage (from the repository root)::

    python benchmarks/speed.py

Prints

1. each chapter's execution time in the last build (from the execution cache);
2. seconds per epoch and images per second for the dense net, the CNN and the
   augmented CNN (the faster of two epochs over the profile's training images,
   after a warm-up epoch), and each model's test accuracy (from the model cache;
   trained first if missing);
3. an augmented-training epoch as the course does it (augmentation layer,
   tf.data) against one fed the way the original notebook did (NumPy batches
   augmented image by image in Python on the CPU), on the same images, side
   by side;
4. the CNN's training FLOP/s against a large float32 matrix product on the
   same device (the practical ceiling), as a percentage.

The last line is ``augmented-epoch speedup vs original feeding: X.XXx``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def chapter_times() -> list[tuple[str, float]]:
    """(chapter, seconds) from the execution cache of the current profile and labsupport."""
    from jupyter_cache import get_cache

    from coursebook.sphinxext import execution_cache_key

    path = ROOT / "book" / "_build" / ".jupyter_cache" / execution_cache_key()
    if not path.is_dir():
        return []
    cache = get_cache(path)
    times = []
    for record in cache.list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            times.append((Path(record.uri).stem, float(seconds)))
    return sorted(times)


def timed_epoch(model, repeats: int = 2, **fit_inputs) -> float:
    """Seconds of one training epoch: the fastest of ``repeats`` epochs after a warm-up epoch.

    ``fit_inputs`` are ``model.fit``'s data arguments. The minimum is the least
    disturbed by whatever else the machine is doing.
    """
    model.fit(epochs=1, verbose=0, **fit_inputs)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(epochs=1, verbose=0, **fit_inputs)
        best = min(best, time.perf_counter() - start)
    return best


def course_epoch(model, x, y, batch_size: int) -> float:
    """:func:`timed_epoch` fed the way the course trains (labsupport.performance)."""
    from labsupport import performance

    return timed_epoch(model, **performance.fit_inputs(x, y, batch_size))


def main() -> int:
    from labsupport import cache, data, models, performance, timing
    from labsupport.profile import get_profile, hardware_summary

    profile = get_profile()
    setup = performance.configure()
    hardware = hardware_summary()
    print(f"profile {profile.name}; {hardware['hardware']}; {hardware['backend']}; "
          f"precision {setup['precision']}; input {setup['input']}")

    print("\n1. chapter execution times of the last build")
    times = chapter_times()
    if not times:
        print("   no execution cache for this profile and labsupport: build the book first")
    for name, seconds in times:
        print(f"   {name:<22}{seconds:>8.1f} s")
    if times:
        print(f"   {'all chapters':<22}{sum(s for _, s in times):>8.1f} s")

    arrays = data.load_mnist()
    print(f"\n2. training speed ({profile.name} profile, batch {profile.batch_size}) and test accuracy")
    print(f"   {'model':<15}{'images':>8}{'s/epoch':>9}{'images/s':>10}{'test acc':>10}")
    speeds = {}
    for name in ("dense", "cnn", "augmented_cnn"):
        splits = data.make_splits(arrays, cache.data_kind(name), profile)
        model = models.compile_classifier(models.BUILDERS[name]())
        seconds = course_epoch(model, splits.x_train, splits.y_train, profile.batch_size)
        speeds[name] = (len(splits.x_train), seconds)
        trained = cache.get_model(name, profile, arrays)
        _, acc = trained.evaluate(splits.x_test, splits.y_test, verbose=0)
        n = len(splits.x_train)
        print(f"   {name:<15}{n:>8}{seconds:>9.2f}{n / seconds:>10.0f}{acc:>10.4f}")

    print("\n3. augmented training: augmentation layer + tf.data vs the original feeding")
    splits = data.make_splits(arrays, "cnn", profile)
    n = min(len(splits.x_train), 6000)
    x, y = splits.x_train[:n], splits.y_train[:n]
    ours = course_epoch(models.compile_classifier(models.augmented_cnn()), x, y, profile.batch_size)
    original_model = models.compile_classifier(models.cnn())
    original = timed_epoch(original_model, x=timing.CpuAugmentedBatches(x, y, profile.batch_size, seed=0))
    print(f"   {n} images: ours {ours:.2f} s/epoch, original feeding {original:.2f} s/epoch")

    print("\n4. CNN training FLOP/s against a large float32 matrix product on this device")
    cnn_images, cnn_seconds = speeds["cnn"]
    flops = timing.training_flops_per_image(models.cnn()) * cnn_images / cnn_seconds
    ceiling = timing.matmul_flops_per_second()
    print(f"   CNN training {flops / 1e9:.1f} GFLOP/s; matmul {ceiling / 1e9:.1f} GFLOP/s; "
          f"{100 * flops / ceiling:.1f} % of the ceiling")

    print(f"\naugmented-epoch speedup vs original feeding: {original / ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
