"""What a team installs: the files a release carries, and an install that names where the package
comes from (it is on no index: a bare name would install whatever someone registered there)."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement

import pulumi_agents

ROOT = Path(__file__).resolve().parents[1]


def test_the_license_is_the_apache_license_pyproject_names() -> None:
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_the_changelog_has_the_package_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {pulumi_agents.__version__}" in text


def test_the_package_says_it_is_typed() -> None:
    assert (Path(pulumi_agents.__file__).parent / "py.typed").is_file()


def test_run_build_is_documented_in_run() -> None:
    run = (ROOT / "run").read_text()
    assert "./run build" in run.split("set -euo pipefail")[0]
    assert re.search(r"^    build\)$", run, re.M)


def test_the_gitops_example_never_installs_pulumi_agents_by_bare_name() -> None:
    lines = (ROOT / "examples" / "gitops" / "requirements.txt").read_text().splitlines()
    wanted = [Requirement(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    ours = [req for req in wanted if req.name == "pulumi-agents"]
    assert ours, "requirements.txt installs pulumi-agents"
    for req in ours:
        assert req.url, f"{req}: a bare name installs whatever an index serves under it; use a wheel or a VCS URL"


def test_the_readme_install_names_the_wheel_of_this_version() -> None:
    from tests.readme import blocks

    [install] = [b.code for b in blocks() if (b.heading, b.index) == ("Install", 0)]
    wheels = set(re.findall(r"pulumi_agents-([0-9][^-]*)-py3-none-any\.whl", install))
    assert wheels == {pulumi_agents.__version__}
    assert not re.search(r"pip install '?pulumi-agents(\[\w+\])?'?(\s+#|$)", install, re.M)  # never the bare name
