"""labsupport: the code behind the CNN course.

Modules
-------
profile      quick/full profiles, the seed, the hardware banner
data         load, verify, scale and split MNIST
models       the dense network, the CNN and the augmented CNN
augment      the RandomAffine augmentation layer
train        training with early stopping and a compact log
cache        the model cache shared by chapters
activations  every layer's output for one image
plots        the course's figures
timing       wall-clock timing of training on CPU and GPU
performance  tf.data input and mixed precision: the speed choices, in one place
digits       photo of a handwritten digit -> 28x28 MNIST-style image
synthetic    synthetic digit photos for examples, tests and benchmarks
ui           upload and drawing widgets for a live notebook
"""

import os as _os

# TensorFlow's C++ start-up messages (CUDA probing, oneDNN notes) are noise in
# a course page; keep warnings and errors. Must be set before TensorFlow loads.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
