"""labsupport: the code behind the CNN course.

Modules
-------
profile      quick/full profiles and the seed: how much the book trains
hardware     which CPU and GPUs the Keras backend sees
chapter      chapter start-up: seed, speed settings, the profile banner
data         load, verify, scale and split MNIST
models       the networks and their registry (MODELS): add a model here
augment      the RandomAffine augmentation layer and the course's ranges
styles       writing styles MNIST lacks (flagged 1s, crossed 7s), drawn onto training digits
train        the one training recipe: compile, fit with early stopping
cache        the model cache shared by chapters
published    the site's trained networks: exported by the build, fetched by Colab
webexport    the networks in TensorFlow.js's format, for the live pages
inference    trained networks on images: probabilities, accuracy, confusion matrix
anatomy      a network layer by layer: output size, receptive field, parameters, FLOPs
filters      hand-made 3x3 filters (Sobel, ...) and the ones a first conv layer learned
modelfile    loading a saved model file safely, with clear errors
activations  every layer's output for one image
plots        the course's figures
performance  tf.data input and mixed precision: the speed choices
timing       wall-clock timing of training on CPU and GPU
digits       photo of a handwritten digit -> 28x28 MNIST-style image
baseline     the course's first photo recipe, kept for comparison
synthetic    synthetic digit photos for examples, tests and benchmarks
handwriting  the networks measured on folders of handwriting and the hard synthetic set
ui           upload and drawing widgets for a live notebook
"""

import os as _os

# TensorFlow's C++ start-up messages (CUDA probing, oneDNN notes) are noise in
# a course page; keep warnings and errors. Must be set before TensorFlow loads.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
