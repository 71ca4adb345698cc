"""Tooling of the course repository: not part of labsupport, not installed with it.

Run everything from the repository root.

========================  =========================================================
``toc``                   the one reader of ``_toc.yml`` and ``_config.yml``
``notebooks``             generates ``notebooks/NN_name.ipynb`` (Colab/Binder) from
                          the chapters: ``python -m tools.notebooks``
``sphinxext``             Sphinx extension of the site: launch buttons point at the
                          generated notebooks, keyed execution cache
``make_sample_photos``    the synthetic photos in ``assets/samples/``:
                          ``python -m tools.make_sample_photos``
``benchmarks/``           ``speed.py`` (build and training speed), ``own_digits.py``
                          (accuracy on photos), ``cpu_feeding.py`` (the original
                          course's CPU augmentation, for comparison)
``install.sh``            the one install path (CI, Binder, workflows, setup.sh)
``setup.sh``              a ``.venv`` with everything, via ``install.sh``
========================  =========================================================
"""
