"""The recovery-code schedule: codes from the pairing alphabet, lock-outs every fifth wrong try."""

from __future__ import annotations

from wallet_api.devices.pairing import CODE_ALPHABET
from wallet_api.recovery.codes import LOCK_SECONDS, MAX_LOCK_SECONDS, MAX_TRIES, lock_seconds, new_code


def test_a_code_is_four_groups_of_five_from_the_pairing_alphabet() -> None:
    code = new_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5]
    assert set("".join(groups)) <= set(CODE_ALPHABET)
    assert new_code() != code


def test_every_fifth_wrong_try_locks_longer_up_to_a_day() -> None:
    assert [lock_seconds(n) for n in range(MAX_TRIES)] == [0] * MAX_TRIES
    assert lock_seconds(MAX_TRIES) == LOCK_SECONDS
    assert lock_seconds(MAX_TRIES + 1) == 0
    assert lock_seconds(2 * MAX_TRIES) == 2 * LOCK_SECONDS
    assert lock_seconds(3 * MAX_TRIES) == 4 * LOCK_SECONDS
    assert lock_seconds(100 * MAX_TRIES) == MAX_LOCK_SECONDS
