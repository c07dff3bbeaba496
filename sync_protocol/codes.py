"""Error codes of the sync protocol that a client must act on, not only show.

Each is answered with ``409`` and an ``ErrorBody`` carrying the code:

- ``RESET_REQUIRED`` (pull, wait): the caller's cursor belongs to another history (the server
  was restored from a backup) or another scope (what the caller may see changed). The client
  forgets what it pulled, keeps its outbox, and downloads everything again.
- ``MUTATION_GAP`` (push): the first id pushed is beyond the next one the server expects
  (``expected_mutation_id``). The server lost steps it had acknowledged (restored from a
  backup): the client renumbers its outbox from the expected id, pushes it again and, since its
  replica may hold what the server lost, downloads everything again.
- ``MUTATION_ID_REUSED`` (push): an id the server already applied arrives with other content.
  The profile was restored from a backup or copied to another PC, and this copy's new steps
  reuse ids of steps the server has from the other. The client registers a new device identity
  (``POST /v1/auth/device``), renumbers its outbox from 1 and pushes it again, and tells the
  user.
"""

RESET_REQUIRED = "reset_required"
MUTATION_GAP = "mutation_gap"
MUTATION_ID_REUSED = "mutation_id_reused"
