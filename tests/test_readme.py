"""The README's examples run as written: its Python blocks execute, its commands name real commands and files."""

from __future__ import annotations

import re
import shlex

import pytest
from helpers import ROOT

from sim.cli.commands import COMMANDS

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.DOTALL)
NEEDS_A_CLUSTER = "SLURMCluster"


def python_blocks() -> list[str]:
    return [code for lang, code in BLOCKS if lang == "python" and NEEDS_A_CLUSTER not in code]


def command_lines() -> list[list[str]]:
    out = []
    for lang, code in BLOCKS:
        if lang != "bash":
            continue
        for line in code.splitlines():
            line = line.split(" #")[0].strip()
            for prefix in (".venv/bin/corridor ", "corridor "):
                if line.startswith(prefix):
                    out.append(shlex.split(line[len(prefix):]))
    return out


@pytest.mark.parametrize("code", python_blocks())
def test_python_examples_run(code, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = code.replace('"outputs/my_run"', repr(str(tmp_path / "my_run")))  # write nothing into the checkout
    exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})


def test_commands_and_files_named_exist():
    lines = command_lines()
    assert len(lines) > 15
    for args in lines:
        assert args[0] in COMMANDS, args
        for arg in args[1:]:
            if re.match(r"^(scenarios|data)/[\w./-]+\.(yaml|csv)$", arg) and "*" not in arg:
                assert (ROOT / arg).exists(), f"README names {arg}, which does not exist"
