"""A serving worker's memory: libraries only some requests need are not loaded at start-up (docs/performance.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

# Each loads where it is used (a PDF download, a directory sign-in, an LTI request or command, signing or checking
# a credential, reading or making a key, a calendar feed): together about 60 MB a worker that pages never use.
LOADED_ON_DEMAND = ["fpdf", "fontTools", "PIL", "segno", "authlib", "joserfc", "pylti1p3", "jwt", "requests",
                    "cryptography", "icalendar"]

# In a fresh interpreter, so that what other tests imported cannot hide (or fake) what the app imports.
PROBE = """
import json, sys
import app  # create_app(), as gunicorn serves it
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.fixture(scope="module")
def started_modules(tmp_path_factory) -> set[str]:
    instance = tmp_path_factory.mktemp("instance")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"} | {"INSTANCE_PATH": str(instance)}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT, env=env,  # noqa: S603 - our own probe
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("library", LOADED_ON_DEMAND)
def test_a_serving_app_does_not_load_the_library_at_start_up(started_modules, library):
    assert library not in started_modules


def test_the_probe_sees_what_the_app_loads(started_modules):
    assert {"flask", "sqlalchemy", "course", "markdown_it"} <= started_modules
