"""`motcua` finds the local stack's state wherever it is run from, and `motcua reset` empties it (issue 17)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chalicelib import cli
from chalicelib.local.stack import PROJECT_DIR


def test_the_state_directory_is_the_projects_whatever_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a shell in some other directory, without MOTCUA_STATE_DIR
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOTCUA_STATE_DIR", raising=False)
    # THEN the CLI reads the project's `.motcua`, not a new one here (where `motcua token` once made a new secret)
    assert cli._state_dir() == (PROJECT_DIR / ".motcua").resolve()
    monkeypatch.setenv("MOTCUA_STATE_DIR", str(tmp_path / "elsewhere"))
    assert cli._state_dir() == (tmp_path / "elsewhere").resolve()


def test_the_emulator_port_is_the_one_the_running_stack_wrote_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("MOTCUA_EMULATOR_PORT", raising=False)
    (tmp_path / "stack.json").write_text(json.dumps({"api_port": 8123, "emulator_port": 4999, "pid": 1}))
    assert cli._emulator_port() == "4999"


def test_reset_deletes_the_kept_data_and_only_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a state directory with the emulator's data, the token secret and a CA
    monkeypatch.setenv("MOTCUA_STATE_DIR", str(tmp_path))
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "snapshot.pickle").write_bytes(b"x")
    (tmp_path / "jwt-secret").write_text("s")
    (tmp_path / "ca.pem").write_text("c")
    # WHEN the user answers no, nothing goes; with --yes the data goes and the secrets stay
    monkeypatch.setattr("builtins.input", lambda _: "n")
    assert cli.main(["reset"]) == 1 and (tmp_path / "state").exists()
    assert cli.main(["reset", "--yes"]) == 0
    assert not (tmp_path / "state").exists() and (tmp_path / "jwt-secret").exists() and (tmp_path / "ca.pem").exists()


def test_reset_refuses_while_the_stack_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_STATE_DIR", str(tmp_path))
    (tmp_path / "state").mkdir()
    (tmp_path / "stack.json").write_text(json.dumps({"emulator_port": 1, "pid": os.getpid()}))  # a live process
    assert cli.main(["reset", "--yes"]) == 2
    assert (tmp_path / "state").exists()
