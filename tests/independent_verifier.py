"""A third party's check of our credentials, run by Node packages we did not write (tests/verifier/).

The helper fetches from the app what any verifier would (the key each `kid` URL names, and the status
lists the credential points to) and hands it to `tests/verifier/verify.mjs`, which checks the VC-JWT
with `jose`, the status bit with `@digitalbazaar/vc-bitstring-status-list` and the data model with
`@learncard/types`. Node and the pinned packages are required in CI (and with REQUIRE_NODE=1); elsewhere
the tests skip when Node is missing. The packages come only from the lockfile, via `npm ci`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest

VERIFIER = Path(__file__).parent / "verifier"


def _unavailable(message: str) -> None:
    if os.environ.get("REQUIRE_NODE") == "1" or os.environ.get("CI"):
        pytest.fail(message + " (required in CI and with REQUIRE_NODE=1)", pytrace=False)
    pytest.skip(message)


def node_verifier() -> str:
    """The path of `node`, with the verifier's packages installed from the lockfile; skip or fail without."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("Node.js and npm are needed for the independent credential verifier")
    if not (VERIFIER / "node_modules" / "jose").is_dir():
        result = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],  # noqa: S603
                                cwd=VERIFIER, capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            _unavailable(f"npm ci in {VERIFIER} failed: {result.stderr[-500:]}")
    return node


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fetched_documents(client, token: str) -> dict:
    """What a verifier dereferences for `token`, fetched from the app: each `kid` and each status list."""
    documents = {}
    tokens = [token]
    claims = jwt.decode(token, options={"verify_signature": False})
    status = claims.get("credentialStatus")
    for entry in status if isinstance(status, list) else [status] if status else []:
        url = entry["statusListCredential"]
        response = client.get(_path(url))
        assert response.status_code == 200, (url, response.status_code)
        documents[url] = response.get_data(as_text=True)
        tokens.append(documents[url])
    for each in tokens:
        kid = jwt.get_unverified_header(each).get("kid", "")
        response = client.get(_path(kid)) if kid.startswith(("http://", "https://")) else None
        if response is not None and response.status_code == 200:
            documents[kid] = response.get_json()
    return documents


def verify_with_node(client, token: str, issuer: str, now: float | None = None, readable: dict | None = None,
                     documents: dict | None = None) -> dict:
    """The independent verifier's report on `token` (see tests/verifier/verify.mjs)."""
    node = node_verifier()
    request = {"token": token, "issuer": issuer, "documents": documents or fetched_documents(client, token)}
    if now is not None:
        request["now"] = now
    if readable is not None:
        request["readable"] = readable
    result = subprocess.run([node, str(VERIFIER / "verify.mjs")], input=json.dumps(request),  # noqa: S603
                            capture_output=True, text=True, timeout=60, check=False, cwd=VERIFIER)
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)
