import numpy as np

from labsupport import models


def test_dense_net_shapes_and_parameters():
    m = models.dense_net()
    assert m.input_shape == (None, 784) and m.output_shape == (None, 10)
    assert m.count_params() == 784 * 512 + 512 + 512 * 10 + 10
    out = np.asarray(m(np.zeros((2, 784), np.float32)))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_has_the_original_architecture():
    m = models.cnn()
    kinds = [type(layer).__name__ for layer in m.layers]
    assert kinds == [
        "Conv2D", "BatchNormalization", "Activation",
        "Conv2D", "BatchNormalization", "Activation", "MaxPooling2D",
        "Conv2D", "BatchNormalization", "Activation",
        "Conv2D", "BatchNormalization", "Activation", "MaxPooling2D",
        "Flatten", "Dense", "BatchNormalization", "Activation", "Dropout", "Dense", "Activation",
    ]
    assert [layer.filters for layer in m.layers if hasattr(layer, "filters")] == [32, 32, 64, 64]
    assert m.get_layer("flatten").output.shape == (None, 4 * 4 * 64)
    assert m.get_layer("dropout").rate == 0.2
    assert m.input_shape == (None, 28, 28, 1) and m.output_shape == (None, 10)


def test_augmented_cnn_is_the_cnn_behind_augmentation():
    aug, plain = models.augmented_cnn(), models.cnn()
    assert type(aug.layers[0]).__name__ == "RandomAffine"
    assert aug.count_params() == plain.count_params()
    x = np.zeros((1, 28, 28, 1), np.float32)
    assert np.asarray(aug(x)).shape == (1, 10)


def test_compile_classifier_uses_the_course_settings():
    m = models.compile_classifier(models.dense_net())
    assert type(m.optimizer).__name__ == "Adam"
    assert np.isclose(float(m.optimizer.learning_rate), models.LEARNING_RATE)
    assert m.loss == "sparse_categorical_crossentropy"
