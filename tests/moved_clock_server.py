"""``imi-server`` whose workflow steps are applied at a moved clock: for end-to-end tests of
what only time allows (an escalation after two months without a step).

The offset, in seconds, is read from the file named by ``IMI_TEST_CLOCK_FILE`` at every push,
so a test moves the clock of the running server by writing the file. Only the sync routes'
clock moves (the time a pushed step is applied at); sign-in and token checks keep the real
time, as the client's own clock does.
"""

import datetime as dt
import os
import sys
from pathlib import Path

from sync_server import cli
from sync_server.sync import routes


def moved_now() -> dt.datetime:
    offset = Path(os.environ["IMI_TEST_CLOCK_FILE"]).read_text(encoding="utf-8").strip()
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=float(offset or 0))


routes.utcnow = moved_now

if __name__ == "__main__":
    sys.exit(cli.main())
