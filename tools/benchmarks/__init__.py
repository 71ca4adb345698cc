"""Benchmarks of the course, run from the repository root.

``speed``
    Build and training speed on this machine: ``python -m tools.benchmarks.speed``.
``own_digits``
    Accuracy of every registered model on a folder of digit photos:
    ``python -m tools.benchmarks.own_digits DIR``.
``cpu_feeding``
    The original course's way of feeding augmented batches (image by image,
    in Python, on the CPU), kept only for the speed benchmark's comparison.
"""
