"""``cmc`` commands for the tests, started by forking a process that has already imported the platform.

Each ``cmc`` process spent about 1.6 s of CPU importing the platform before doing a command that itself takes a
fraction of that (``tokens create``, ``accounts create``, ``seed --demo``); the suite ran a few hundred of them
(the live servers' set-up and the command tests), nearly a fifth of CI's CPU. The real script is still run as
a process of its own by ``cmc serve`` everywhere and by the ``make run`` test.

:func:`run` asks one helper per test process (this file run as a script: it builds an app once, so every module
``create_app`` needs is imported, then forks a child per command) and the child does exactly what the ``cmc``
script does: the same environment, working folder, arguments, standard input, output and exit status, its own
``create_app``, nothing kept from one command to the next (each is a fresh child).

The helper never serves (``cmc serve`` patches the standard library with gevent before any import, so it is
always started as a process of its own) and refuses to start if building the app left a thread running: a
fork copies only the calling thread. Anything wrong with the helper (it could not start, it died) falls back
to a plain subprocess; ``CMC_TEST_FORK=0`` turns it off.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_HELPER: list[subprocess.Popen[bytes]] = []
_BROKEN: list[str] = []
_LOCK = threading.Lock()


def run(executable: str, args: list[str], *, env: dict[str, str], cwd: Path, input_text: str | None,
        timeout: float) -> subprocess.CompletedProcess[str]:
    """``executable ARGS`` (the ``cmc`` script) as :func:`subprocess.run` with ``capture_output`` and
    ``text`` would run it, through the forking helper when it is available."""
    # One command at a time goes through the helper; a command asked for meanwhile by another thread (tests
    # run several side by side) starts a process of its own rather than wait.
    if os.environ.get("CMC_TEST_FORK") == "0" or _BROKEN or args[:1] == ["serve"] or not _LOCK.acquire(False):
        return _plain(executable, args, env=env, cwd=cwd, input_text=input_text, timeout=timeout)
    try:
        helper = _helper(executable)
        if helper is None:
            return _plain(executable, args, env=env, cwd=cwd, input_text=input_text, timeout=timeout)
        return _forked(helper, executable, args, env=env, cwd=cwd, input_text=input_text, timeout=timeout)
    finally:
        _LOCK.release()


def _plain(executable: str, args: list[str], *, env: dict[str, str], cwd: Path, input_text: str | None,
           timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([executable, *args], env=env, cwd=cwd, input=input_text, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _forked(helper: subprocess.Popen[bytes], executable: str, args: list[str], *, env: dict[str, str], cwd: Path,
            input_text: str | None, timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="cmc-fork-") as folder:
        paths = {name: str(Path(folder) / name) for name in ("in", "out", "err")}
        Path(paths["in"]).write_text(input_text or "", encoding="utf-8")
        request = {"args": args, "env": env, "cwd": str(cwd), **paths}
        assert helper.stdin is not None and helper.stdout is not None
        message = memoryview(json.dumps(request).encode() + b"\n")
        while message:  # unbuffered: a pipe may take part of a long request at a time
            message = message[helper.stdin.write(message) or 0:]
        pid = int(_read_line(helper, 10.0))
        try:
            returncode = int(_read_line(helper, timeout))
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            _read_line(helper, 10.0)
            raise subprocess.TimeoutExpired([executable, *args], timeout) from None
        return subprocess.CompletedProcess([executable, *args], returncode,
                                           Path(paths["out"]).read_text(encoding="utf-8"),
                                           Path(paths["err"]).read_text(encoding="utf-8"))


def _read_line(helper: subprocess.Popen[bytes], timeout: float) -> str:
    assert helper.stdout is not None
    ready, _, _ = select.select([helper.stdout], [], [], timeout)
    if not ready:
        raise TimeoutError
    line = helper.stdout.readline()
    if not line:
        _BROKEN.append(f"the cmc helper exited ({helper.poll()})")
        raise RuntimeError(_BROKEN[-1])
    return line.decode().strip()


def _helper(executable: str) -> subprocess.Popen[bytes] | None:
    if _HELPER and _HELPER[0].poll() is None:
        return _HELPER[0]
    if _HELPER:
        _BROKEN.append("the cmc helper died")
        return None
    python = Path(executable).parent / "python"
    # Unbuffered pipes: a buffered reader could take the exit status's line into its buffer with the pid's, and
    # select() would then wait on an empty pipe for a line already read.
    helper = subprocess.Popen([str(python), __file__], bufsize=0, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        if _read_line(helper, 60.0) != "ready":
            raise RuntimeError("the cmc helper did not say it was ready")
    except (TimeoutError, RuntimeError) as exc:
        helper.kill()
        _BROKEN.append(str(exc))
        return None
    import atexit

    atexit.register(_stop, helper)
    _HELPER.append(helper)
    return helper


def _stop(helper: subprocess.Popen[bytes]) -> None:
    helper.kill()
    helper.wait()
    for pipe in (helper.stdin, helper.stdout):
        if pipe is not None:
            pipe.close()


# ---- the helper itself (this file run as a script) ----

def _serve() -> None:
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    with tempfile.TemporaryDirectory(prefix="cmc-fork-warm-") as folder:
        os.environ.update({"CMC_INSTANCE_PATH": folder, "CMC_SECRET_KEY": "w" * 48})
        from cmc import create_app
        from cmc.cli import main  # noqa: F401  (imported before forking, like everything create_app needs)

        create_app()
    if threading.active_count() != 1:
        return  # a fork would lose that thread's work: let the tests start processes instead
    channel_out.write(b"ready\n")
    channel_out.flush()
    for line in channel_in:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            channel_in.close()
            channel_out.close()
            _child(request)
        channel_out.write(f"{pid}\n".encode())
        channel_out.flush()
        _, status = os.waitpid(pid, 0)
        channel_out.write(f"{os.waitstatus_to_exitcode(status)}\n".encode())
        channel_out.flush()


def _child(request: dict[str, object]) -> None:
    """Become the ``cmc`` process of ``request`` and exit with its status (never returns)."""
    import contextlib
    import io
    import traceback

    code = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the helper ignores it; a command does not
        os.setpgid(0, 0)
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update(request["env"])  # type: ignore[arg-type]
        time.tzset()  # a TZ of the command's environment, as a new process would read it
        for fd, name, flags in ((0, "in", os.O_RDONLY), (1, "out", os.O_WRONLY | os.O_CREAT),
                                (2, "err", os.O_WRONLY | os.O_CREAT)):
            opened = os.open(str(request[name]), flags)
            os.dup2(opened, fd)
            os.close(opened)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
        sys.argv = ["cmc", *request["args"]]  # type: ignore[list-item]
        from cmc.cli import main

        try:
            main()
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
    except BaseException:  # what an uncaught exception does to the script: traceback, status 1
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed stream has nothing left to write
                stream.flush()
        os._exit(code)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve()
