"""This replica's device identity on the server, and renumbering its outbox.

Mutation ids go up by one per device, and the server remembers every id it applied with a
digest of the step. Two situations make a replica's ids wrong, and each is repaired in one
local transaction, outbox kept:

- The profile was restored from a backup or copied to another PC (``mutation_id_reused``): both
  copies send steps under the same device. The copy that notices registers a new device
  (``Transport.new_device``) and renumbers its outbox from 1 under it (``adopt_device``).
- The server was restored from a backup (``mutation_gap``): it expects a lower id than this
  replica's next. The outbox is renumbered from the id expected, and what was pulled is
  downloaded again, since the server no longer has some of it (``resume_after_server_restore``).

The identity lives in the replica (``device_id`` and ``token`` in ``meta``) beside the outbox
it numbers; ``profile.json`` holds the identity the profile was set up with.
"""

from desktop.models import cases
from desktop.models.replica import Replica


def device_id(replica: Replica, set_up_with: str) -> str:
    """The device this replica pushes as: the one adopted last, or the one set up with."""
    adopted = replica.get_meta("device_id")
    return str(adopted) if adopted else set_up_with


def adopt_device(replica: Replica, *, device_id: str, token: str) -> int:
    """Push as ``device_id`` with ``token`` from now on; the outbox is renumbered from 1.

    Returns the number of steps waiting to be sent again.
    """
    with replica.transaction():
        replica.set_meta("device_id", device_id)
        replica.set_meta("token", token)
        return replica.renumber_outbox(first=1)


def resume_after_server_restore(replica: Replica, *, expected: int) -> int:
    """Renumber the outbox from ``expected`` and start pulling from scratch; return its size."""
    with replica.transaction():
        waiting = replica.renumber_outbox(first=expected)
        cases.forget_pulled(replica)
    return waiting
