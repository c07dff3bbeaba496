"""A first sync killed mid-way: ``python -m tests.desktop.interrupted_bootstrap PROFILE WHEN``.

Unlocks the signed-in profile at ``PROFILE`` and syncs it in pages of ``PAGE`` cases, with
the list's indexes rebuilt whatever the count (``replica.INDEXES_REBUILT_OVER``), and sends
itself SIGKILL (no ``finally``, no rollback, as in a crash) at ``WHEN``:

- ``cases:N``: once a pulled page has committed with at least N cases in the replica;
- ``finish:K``: before the Kth SQL statement of the bulk build of the deferred lists, or
  after the build and before its commit if it has fewer.

Exits 0 if the sync ends first.
"""

import functools
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from desktop.models import cases, replica, sync_engine
from desktop.models.replica import Replica
from tests.conftest import PASSPHRASE, open_client

PAGE = 25


def _killed_at(held: int) -> None:
    apply = cases.apply_pull_page

    @functools.wraps(apply)
    def counted(replica: Replica, *args: Any, **kwargs: Any) -> int:
        count = apply(replica, *args, **kwargs)
        if replica.read("SELECT count(*) FROM cases")[0][0] >= held:
            os.kill(os.getpid(), signal.SIGKILL)
        return count

    cases.apply_pull_page = counted  # type: ignore[assignment]


def _killed_in_finish(statement: int) -> None:
    finish = Replica.finish_deferred

    def counted(self: Replica) -> int:
        seen = 0

        def count(_frame: FrameType, event: str, arg: Any) -> None:
            nonlocal seen
            if event == "c_call" and getattr(arg, "__name__", "") in ("execute", "executemany"):
                seen += 1
                if seen == statement:
                    os.kill(os.getpid(), signal.SIGKILL)

        sys.setprofile(count)
        try:
            finish(self)
        finally:
            sys.setprofile(None)
        os.kill(os.getpid(), signal.SIGKILL)  # built, not committed (the page commits it)
        return 0

    Replica.finish_deferred = counted  # type: ignore[method-assign]


def main(path: Path, when: str) -> int:
    assert PASSPHRASE
    sync_engine.PULL_PAGE = PAGE
    replica.INDEXES_REBUILT_OVER = 0
    kind, _, number = when.partition(":")
    if kind == "cases":
        _killed_at(int(number))
    else:
        _killed_in_finish(int(number))
    client = open_client(path)
    client.sync()
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
