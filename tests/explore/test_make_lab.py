"""`make lab` serves the project root, opens on notebooks/, and passes LAB_ARGS through (a real server)."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from explore.conftest import ROOT


def _lab_command(lab_args: str) -> list[str]:
    """The jupyter command `make lab` would run (make -n prints it; the generate step before it is skipped)."""
    done = subprocess.run(["make", "-n", "lab", f"LAB_ARGS={lab_args}"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    lines = [line for line in done.stdout.splitlines() if " lab " in f" {line} " and "jupyter" in line]
    assert len(lines) == 1, done.stdout
    return shlex.split(lines[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_passes_lab_args_and_opens_the_notebooks_folder():
    command = _lab_command("--allow-root --no-browser --port 9")
    assert "--ServerApp.root_dir=." in command
    assert "--LabApp.default_url=/lab/tree/notebooks" in command
    assert command[-4:] == ["--allow-root", "--no-browser", "--port", "9"]


@pytest.mark.slow
def test_lab_server_serves_the_project_root(tmp_path):
    port = _free_port()
    command = _lab_command(f"--no-browser --allow-root --port {port} --IdentityProvider.token=t16")
    command[0] = str(ROOT / command[0]) if not command[0].startswith("/") else command[0]
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(command + [f"--ServerApp.runtime_dir={tmp_path}"], cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        opener = urllib.request.build_opener(_NoRedirect)
        deadline = time.monotonic() + 120
        while True:
            try:
                response = opener.open(f"http://127.0.0.1:{port}/?token=t16", timeout=5)
                location = response.headers.get("Location")
                break
            except urllib.error.HTTPError as redirect:
                location = redirect.headers.get("Location")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "jupyter lab did not start in 120 s"
                time.sleep(1)
        assert location is not None and location.split("?")[0].endswith("/lab/tree/notebooks")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token=t16", timeout=30) as response:
            names = {item["name"] for item in json.load(response)["content"]}
        assert {"notebooks", "docs", "src", "README.md"} <= names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/api/extensions?token=t16", timeout=30) as response:
            extensions = {item["name"] for item in json.load(response)}
        assert "jupyter-widgets-jupyterlab-manager" in extensions  # ipywidgets' Lab extension: the picker renders
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
