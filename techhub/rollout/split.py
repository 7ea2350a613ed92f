"""Traffic split by a stable hash of the customer's (or thread's) id.

The seed's ``ABTest.select_variant`` used ``hash(query_id) % 100``. Python salts ``hash()`` of
strings per process (``PYTHONHASHSEED``), so the same customer lands on a different arm after every
restart, and two workers disagree: the arms mix and the comparison means nothing.
:func:`python_hash_arms` shows it by asking child Pythons with different seeds.

Here the bucket is the first 8 bytes of SHA-256 of ``salt:key``, in ``[0, 10000)``: the same in every
process and on every machine. The salt (the experiment's name) makes two experiments split
independently. A customer in the candidate arm at 10% stays there at 50% and 100%, because the arm
is ``bucket < share * 10000`` and the share only grows.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Literal

Arm = Literal["control", "candidate"]
BUCKETS = 10_000


def bucket(key: str, salt: str = "") -> int:
    """The key's bucket in ``[0, 10000)``, stable across processes, machines and Python versions."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def assign_arm(key: str, candidate_share: float, salt: str = "") -> Arm:
    """``candidate`` for about ``candidate_share`` of keys (0.1 for 10%), ``control`` for the rest."""
    if not 0.0 <= candidate_share <= 1.0:
        raise ValueError(f"candidate_share must be between 0 and 1, not {candidate_share}")
    return "candidate" if bucket(key, salt) < round(candidate_share * BUCKETS) else "control"


def seed_hash_arm(key: str, candidate_share: float) -> Arm:
    """The seed's way (``hash(key) % 100``): stable within one process only. Shown, never used."""
    return "candidate" if hash(key) % 100 < candidate_share * 100 else "control"


_CHILD = """
import json, sys
from techhub.rollout.split import assign_arm, seed_hash_arm
keys, share, salt = json.loads(sys.stdin.read())
print(json.dumps({"hash": [seed_hash_arm(k, share) for k in keys],
                  "sha256": [assign_arm(k, share, salt) for k in keys]}))
"""


def python_hash_arms(
    keys: Sequence[str], candidate_share: float, *, hash_seeds: Sequence[int] = (1, 2), salt: str = ""
) -> dict[int, dict[str, list[Arm]]]:
    """Arms of ``keys`` computed in one child Python per ``PYTHONHASHSEED``, both ways.

    Returns ``{seed: {"hash": [...], "sha256": [...]}}``: the ``hash`` lists differ between seeds (the
    seed document's bug), the ``sha256`` lists do not (the fix).
    """
    results = {}
    for seed in hash_seeds:
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=json.dumps([list(keys), candidate_share, salt]),
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        results[seed] = json.loads(done.stdout)
    return results


def flipped_keys(
    arms: dict[int, dict[str, list[Arm]]], keys: Sequence[str], method: str = "hash"
) -> list[str]:
    """The keys whose arm differs between the child processes of :func:`python_hash_arms`."""
    runs = [result[method] for result in arms.values()]
    return [key for i, key in enumerate(keys) if len({run[i] for run in runs}) > 1]
