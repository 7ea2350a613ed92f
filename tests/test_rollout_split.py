"""The split: stable across processes (unlike hash()), close to the asked shares, sticky across stages."""

from __future__ import annotations

import hashlib

import pytest

from techhub.rollout.split import BUCKETS, assign_arm, bucket, flipped_keys, python_hash_arms

USERS = [f"customer-{i:05d}@example.com" for i in range(10_000)]


def test_bucket_is_sha256_of_salt_and_key():
    expected = (
        int.from_bytes(hashlib.sha256(b"ab:test:gregory.harris@yahoo.com").digest()[:8], "big") % BUCKETS
    )
    assert bucket("gregory.harris@yahoo.com", salt="ab:test") == expected
    assert 0 <= bucket("x") < BUCKETS


def test_seed_hash_flips_arms_across_processes_and_sha256_does_not():
    keys = USERS[:200]
    arms = python_hash_arms(keys, 0.5, hash_seeds=(1, 2), salt="stage")
    flipped = flipped_keys(arms, keys, "hash")
    # With a 50/50 split about half of the customers change arm when the process restarts.
    assert len(flipped) > 50
    assert flipped_keys(arms, keys, "sha256") == []
    assert arms[1]["sha256"] == [assign_arm(k, 0.5, "stage") for k in keys]  # and this process agrees


@pytest.mark.parametrize("share", [0.05, 0.10, 0.50, 0.90])
def test_proportions_on_ten_thousand_ids(share):
    candidates = sum(assign_arm(user, share, salt="rollout") == "candidate" for user in USERS)
    # Binomial standard deviation at n=10,000 is at most 0.005: allow 4 of them.
    assert abs(candidates / len(USERS) - share) < 0.02


def test_edges_and_bad_shares():
    assert {assign_arm(u, 0.0) for u in USERS[:500]} == {"control"}
    assert {assign_arm(u, 1.0) for u in USERS[:500]} == {"candidate"}
    with pytest.raises(ValueError, match="candidate_share"):
        assign_arm("u", 1.5)


def test_a_candidate_stays_a_candidate_as_the_share_grows():
    at_10 = {u for u in USERS if assign_arm(u, 0.10, "rollout") == "candidate"}
    at_50 = {u for u in USERS if assign_arm(u, 0.50, "rollout") == "candidate"}
    assert at_10 < at_50


def test_salts_split_independently():
    a = {u for u in USERS if assign_arm(u, 0.5, "ab:first") == "candidate"}
    b = {u for u in USERS if assign_arm(u, 0.5, "ab:second") == "candidate"}
    overlap = len(a & b) / len(USERS)
    assert abs(overlap - 0.25) < 0.02  # independent halves overlap on a quarter
