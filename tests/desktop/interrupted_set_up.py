"""Run the writing half of profile set-up once per step, killed before that step.

    python -m tests.desktop.interrupted_set_up BASE_DIR

Every call into the operating system or SQLite that set-up makes (open, write, fsync, rename,
mkdir, unlink, chmod, close, SQL statements) counts as a step. For N = 1, 2, ... a forked
child sets up ``BASE_DIR/stepN`` and sends itself SIGKILL before its Nth step: no
``finally``, no destructor, no flush runs, as in a crash (the page cache survives a kill; the
order of fsyncs is what ``profile._write`` answers for). The first N that finishes ends the
loop; the script prints the number of steps set-up takes. One process imports the code once
and forks from a single thread, so a hundred crashes cost a second, not a minute.
"""

import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from desktop.models import account
from desktop.models import profile as profiles
from sync_protocol.messages import LoginResponse

STEPS = frozenset({
    "open", "write", "fsync", "replace", "rename", "mkdir", "unlink", "chmod", "fchmod",
    "close", "execute", "executemany", "commit",
})
LOGIN = LoginResponse.model_validate({
    "token": "t" * 43,
    "user": {"user_id": "u1", "username": "de.weber", "display_name": "Anna Weber",
             "authority_id": "DE-LZK-BW", "authority_name": "Landeszahnärztekammer BW",
             "member_state": "DE", "roles": ["request_handler"], "language": "de"},
})
PASSPHRASE = "correct horse battery"
CHEAP_KDF = {"kdf": "scrypt", "n": 2**8, "r": 8, "p": 1}


def set_up_killed_at(path: Path, kill_at: int) -> None:
    """In a forked child: set up ``path``, dying before step ``kill_at``; exit 0 if it ends."""
    count = 0

    def count_steps(_frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event == "c_call" and getattr(arg, "__name__", "") in STEPS:
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    sys.setprofile(count_steps)
    account.create_signed_in(path, server_url="http://127.0.0.1:1", username="de.weber",
                             passphrase=PASSPHRASE, device_id="d" * 32, login=LOGIN)
    sys.setprofile(None)


def main(base: Path) -> int:
    profiles.KDF_PARAMS = CHEAP_KDF  # the tests' cheap cost, through the same code
    for step in range(1, 1000):
        pid = os.fork()
        if pid == 0:
            set_up_killed_at(base / f"step{step}", step)
            os._exit(0)
        _pid, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            print(step - 1)  # steps 1 .. step-1 each killed set-up; this one finished
            return 0
        if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
            print(f"step {step}: set-up failed with status {status}", file=sys.stderr)
            return 1
    return 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
