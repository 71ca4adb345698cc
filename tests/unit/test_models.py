"""labsupport.models: the networks and the registry."""

import keras
import numpy as np
import pytest

from labsupport import augment, models
from labsupport.profile import PROFILES, Profile


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


def test_every_batch_normalization_uses_the_course_momentum():
    """Keras's default (0.99) lags in the quick profile's short trainings (chapter 3 shows it)."""
    assert models.BN_MOMENTUM == 0.9
    for name in models.MODELS:
        norms = [layer for layer in models.build(name).layers if isinstance(layer, keras.layers.BatchNormalization)]
        assert all(layer.momentum == models.BN_MOMENTUM for layer in norms), name
    assert {layer.momentum for layer in models.cnn(bn_momentum=0.99).layers
            if isinstance(layer, keras.layers.BatchNormalization)} == {0.99}


def test_mixed_policy_keeps_probabilities_in_float32():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        for build in (models.dense_net, models.cnn):
            model = build()
            x = np.zeros((1,) + model.input_shape[1:], np.float32)
            assert keras.backend.standardize_dtype(model(x).dtype) == "float32"
            assert model.layers[0].compute_dtype == "float16"  # the rest computes in float16
    finally:
        keras.mixed_precision.set_global_policy("float32")


# --- the registry ----------------------------------------------------------


def test_registry_holds_the_course_models_in_chapter_order():
    assert list(models.MODELS) == ["dense", "cnn", "augmented_cnn"]
    assert all(spec.name == name and spec.title for name, spec in models.MODELS.items())


def test_registry_entries_describe_their_models():
    dense, cnn, aug = (models.spec(n) for n in ("dense", "cnn", "augmented_cnn"))
    assert (dense.inputs, dense.augmented, dense.wants_gpu) == ("dense", False, False)
    assert (cnn.inputs, cnn.augmented, cnn.wants_gpu) == ("image", False, True)
    assert (aug.inputs, aug.augmented, aug.wants_gpu) == ("image", True, True)
    assert dict(aug.architecture) == augment.RANGES  # the original course's augmentation
    for spec in (dense, cnn, aug):
        # the model's input matches its input format
        expected = (None, 784) if spec.inputs == "dense" else (None, 28, 28, 1)
        assert spec.new().input_shape == expected, spec.name


def test_epoch_budgets_in_full_are_the_original_course_settings_but_the_augmented_cnns():
    """The augmented CNN learns more slowly (its validation accuracy still rose at the original 20th epoch)."""
    full, quick = PROFILES["full"], PROFILES["quick"]
    assert models.spec("dense").epochs_for(full) == 100
    assert models.spec("cnn").epochs_for(full) == 20
    assert models.spec("augmented_cnn").epochs_for(full) == 30
    for spec in models.MODELS.values():
        assert 0 < spec.epochs_for(quick) < spec.epochs_for(full), spec.name


def test_every_model_has_a_budget_in_every_profile():
    for spec in models.MODELS.values():
        assert set(spec.epochs) == set(PROFILES), spec.name


def test_the_dense_network_trains_on_every_image_in_both_profiles_and_the_cnns_follow_the_profile():
    quick, full = PROFILES["quick"], PROFILES["full"]
    assert models.spec("dense").training_profile(quick) == Profile(**{**quick.as_dict(), "n_train": None})
    assert models.spec("dense").training_profile(full) == full
    for name in ("cnn", "augmented_cnn"):
        assert models.spec(name).training_profile(quick) is quick
    tiny = Profile("tiny", 10, 10)
    assert models.spec("dense").training_profile(tiny) is tiny  # no entry for it: the profile's own
    assert models.spec("dense").images_per_epoch(quick, 50000) == 50000
    assert models.spec("cnn").images_per_epoch(quick, 50000) == quick.n_train < 50000
    assert models.spec("cnn").images_per_epoch(quick, 100) == 100  # a smaller split: all of it
    assert models.spec("cnn").images_per_epoch(full, 50000) == 50000


def test_missing_budget_is_a_clear_error():
    with pytest.raises(ValueError, match="model 'cnn' has no epoch budget for profile 'tiny'.*'full', 'quick'"):
        models.spec("cnn").epochs_for(Profile("tiny", 10, 10))


def test_build_by_name_gives_a_new_uncompiled_model():
    a, b = models.build("dense"), models.build("dense")
    assert a is not b and a.get_config() == b.get_config() == models.dense_net().get_config()
    assert not a.compiled


def test_architecture_arguments_reach_the_builder():
    spec = models.ModelSpec("narrow", models.dense_net, inputs="dense", epochs={"quick": 1},
                            architecture={"n_hidden": 16})
    assert spec.new().get_layer("hidden").units == 16


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown model 'resnet'; known: \['dense', 'cnn', 'augmented_cnn'\]"):
        models.spec("resnet")
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        models.build("resnet")


def test_unknown_input_format_is_refused():
    with pytest.raises(ValueError, match=r"odd: inputs must be one of \['dense', 'image'\], got 'cnn'"):
        models.ModelSpec("odd", models.cnn, inputs="cnn", epochs={"quick": 1})


def test_register_adds_or_replaces(monkeypatch):
    monkeypatch.setattr(models, "MODELS", dict(models.MODELS))
    small = models.ModelSpec("small", lambda: models.dense_net(8), inputs="dense", epochs={"quick": 1})
    assert models.register(small) is small and models.spec("small") is small
    assert list(models.MODELS)[-1] == "small"
    again = models.ModelSpec("small", lambda: models.dense_net(4), inputs="dense", epochs={"quick": 2})
    models.register(again)
    assert models.spec("small") is again and list(models.MODELS).count("small") == 1
