"""labsupport.hardware: what the code runs on."""

import keras

from labsupport import hardware


def test_hardware_summary_on_this_machine():
    info = hardware.hardware_summary()
    assert info["hardware"] and "Keras" in info["backend"]
    assert keras.backend.backend() in info["backend"]


def test_summary_names_the_gpus_or_the_cpu(monkeypatch):
    monkeypatch.setattr(hardware, "gpu_names", lambda: ["GPU A", "GPU B"])
    assert hardware.hardware_summary()["hardware"] == "GPU A, GPU B"
    monkeypatch.setattr(hardware, "gpu_names", lambda: [])
    assert hardware.hardware_summary()["hardware"] == f"CPU only: {hardware.cpu_name()}"


def test_cpu_is_always_available():
    assert hardware.available_devices()[0] == "CPU"


def test_available_devices_follow_the_gpus(monkeypatch):
    monkeypatch.setattr(hardware, "gpu_names", lambda: [])
    assert hardware.available_devices() == ["CPU"]
    monkeypatch.setattr(hardware, "gpu_names", lambda: ["NVIDIA H200"])
    assert hardware.available_devices() == ["CPU", "GPU"]


def test_cpu_name_says_how_many_cores():
    name = hardware.cpu_name()
    assert name.endswith(" cores)") and "(" in name


def test_compute_capability_only_with_a_gpu():
    capability = hardware.gpu_compute_capability()
    if hardware.gpu_names():
        assert capability is None or (len(capability) == 2 and all(isinstance(v, int) for v in capability))
    else:
        assert capability is None
