"""`dagster dev` for a test: a private DAGSTER_HOME, a free port, GraphQL, and a clean stop.

The server runs in a process group of its own (webserver, daemon, code servers, run workers),
so :meth:`DagsterDev.stop` ends all of it and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
DAGSTER = Path(sys.executable).parent / "dagster"

#: The workspace as the webserver sees it: each code location, loaded or with its load error.
WORKSPACE = """
query Workspace {
  workspaceOrError {
    __typename
    ... on PythonError { message stack }
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
          ... on RepositoryLocation {
            name
            repositories {
              name
              pipelines { name }
              schedules { name scheduleState { status } }
              sensors { name sensorState { status } }
            }
          }
        }
      }
    }
  }
}
"""

RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId jobName status startTime endTime tags { key value } }
    ... on PythonError { message }
  }
}
"""

#: The error events of a run, to say why it failed.
RUN_ERRORS = """
query RunErrors($runId: ID!) {
  logsForRun(runId: $runId, limit: 5000) {
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message }
        ... on ErrorEvent { error { message } }
      }
    }
  }
}
"""

FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float,
              interval_s: float = 0.5) -> T:
    """Call ``probe`` until it returns something other than None; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


class GraphQLError(AssertionError):
    """The server answered with GraphQL errors."""


@dataclass
class DagsterDev:
    """One `dagster dev` process group; ``url`` answers once :meth:`start` returned."""

    root: Path
    home: Path
    env: Mapping[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start `dagster dev -w workspace.yaml` from the repository root."""
        self.started_at = time.monotonic()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
                 "-p", str(self.port)],
                cwd=self.root, env={**self.env, "DAGSTER_HOME": str(self.home)},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, grace_s: float = 20.0) -> None:
        """Interrupt the whole process group like Ctrl-C; kill what is left after ``grace_s``."""
        if self.process is None or self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        try:
            os.killpg(group, signal.SIGINT)
            self.process.wait(timeout=grace_s)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
        # The children (code servers, run workers) may outlive the parent: end the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text("utf-8", errors="replace")[-chars:] if self.log.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None,
                timeout_s: float = 60) -> dict[str, Any]:
        """The ``data`` of a GraphQL answer; GraphQLError if it has errors."""
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            payload = json.load(answer)
        if payload.get("errors"):
            raise GraphQLError(json.dumps(payload["errors"], indent=1)[:4000])
        return dict(payload["data"])

    def answers(self) -> bool:
        """True once the webserver answers GraphQL."""
        try:
            self.graphql("{ version }", timeout_s=5)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False
        return True

    def location(self, name: str) -> dict[str, Any] | None:
        """The loaded code location ``name``; None while it loads; AssertionError with the load
        error (message and stack) if it failed to load."""
        data = self.graphql(WORKSPACE)["workspaceOrError"]
        if data["__typename"] != "Workspace":
            raise AssertionError(f"workspace error: {data.get('message')}\n{data.get('stack')}")
        entries = {e["name"]: e for e in data["locationEntries"]}
        entry = entries.get(name)
        if entry is None or entry["loadStatus"] != "LOADED":
            return None
        loaded = entry["locationOrLoadError"]
        if loaded is None:
            return None
        if loaded["__typename"] == "PythonError":
            stack = "".join(loaded.get("stack") or [])
            raise AssertionError(f"code location {name} failed to load: "
                                 f"{loaded['message']}\n{stack}")
        return dict(loaded)

    def run(self, run_id: str) -> dict[str, Any]:
        found = self.graphql(RUN, {"runId": run_id})["runOrError"]
        assert found["__typename"] == "Run", found
        return dict(found)

    def wait_for_run(self, run_id: str, timeout_s: float) -> dict[str, Any]:
        """The run once it has finished (any status)."""
        def finished() -> dict[str, Any] | None:
            assert self.alive(), f"dagster dev exited:\n{self.log_tail()}"
            run = self.run(run_id)
            return run if run["status"] in FINISHED else None
        return wait_for(f"run {run_id}", finished, timeout_s, interval_s=2)

    def run_errors(self, run_id: str) -> str:
        """What went wrong in a run: its error messages, for an assertion message."""
        events = self.graphql(RUN_ERRORS, {"runId": run_id})["logsForRun"].get("events", [])
        lines = [f"{e['__typename']}: {(e.get('error') or {}).get('message') or e.get('message')}"
                 for e in events
                 if e.get("error") or e["__typename"] in ("RunFailureEvent",
                                                           "ExecutionStepFailureEvent")]
        return "\n".join(lines)[-6000:]
