"""The GitHub Actions workflows: valid against the published schema, and doing what the README says."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools.toc import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def check_jsonschema() -> list[str]:
    exe = Path(sys.executable).with_name("check-jsonschema")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("check-jsonschema")
    if not found:
        pytest.skip("check-jsonschema is not installed (pip install -r requirements.txt)")
    return [found]


def test_there_are_two_workflows():
    assert [p.name for p in WORKFLOWS] == ["publish.yml", "pull-request.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(path):
    result = subprocess.run(
        check_jsonschema() + ["--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    runs_on: ubuntu-latest\n    steps:\n      - run: echo\n")
    result = subprocess.run(
        check_jsonschema() + ["--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True, text=True,
    )
    assert result.returncode != 0


def load(name):
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def steps_text(job) -> str:
    return "\n".join(str(step) for step in job["steps"])


def test_pull_request_workflow_runs_ci_on_a_cpu_runner():
    wf = load("pull-request.yml")
    job = wf["jobs"]["quick-build"]
    assert job["runs-on"] == "ubuntu-latest"
    assert job["env"]["LABSUPPORT_PROFILE"] == "quick"
    text = steps_text(job)
    assert "bash .ci/run" in text and "upload-artifact" in text and "book/_build/html" in text


def test_publish_workflow_builds_full_on_the_gpu_runner_and_deploys():
    wf = load("publish.yml")
    build = wf["jobs"]["build"]
    assert wf["env"]["LABSUPPORT_PROFILE"] == "full"
    assert "gpu" in build["runs-on"]
    text = steps_text(build)
    for needed in ("nvidia-smi", "tensorflow[and-cuda]", "actions/cache", ".jupyter_cache",
                   "jupyter-book build book/", "upload-pages-artifact"):
        assert needed in text, needed
    reports = [s for s in build["steps"] if "build-reports" in str(s)]
    assert reports and reports[0]["if"] == "failure()"
    assert "deploy-pages" in steps_text(wf["jobs"]["deploy"])
    # the GPU runner label is named in exactly one place
    raw = (ROOT / ".github" / "workflows" / "publish.yml").read_text()
    assert raw.count("gpu]") == 1
