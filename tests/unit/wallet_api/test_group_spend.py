"""``GroupSpend`` with a recording guard: the spends of one turn of the loop go in one call, in
order, each answered with its own result; alone, or when the group fails, each spends alone."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

import storage
from wallet_api.resilience.group_spend import GroupSpend
from wallet_api.services.auth import CheckedRequest, Principal

WHEN = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


class RecordingGuard:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.seen: set[str] = set()
        self.fail = fail

    def remember_many(self, spends: list[tuple[str, str, dt.datetime, Any]]) -> list[bool]:
        self.calls.append([jti for _, jti, _, _ in spends])
        if self.fail:
            raise storage.Unavailable("stalled")
        answers = []
        for _, jti, _, _ in spends:
            answers.append(jti not in self.seen)
            self.seen.add(jti)
        return answers


def checked(jti: str) -> CheckedRequest:
    principal = Principal(subject="citizen-1", kind="citizen", jkt="jkt-1")
    return CheckedRequest(principal, "dpop", jti, 0, WHEN, storage.CitizenHolder("citizen-1", "jkt-1"))


def run(guard: RecordingGuard, jtis: list[str]) -> list[bool | None]:
    group = GroupSpend(lambda: guard)  # type: ignore[arg-type,return-value]

    async def all_at_once() -> list[bool | None]:
        return list(await asyncio.gather(*(group.spend(checked(jti)) for jti in jtis)))

    return asyncio.run(all_at_once())


def test_one_turns_spends_share_one_call_each_with_its_answer() -> None:
    guard = RecordingGuard()
    assert run(guard, ["a", "b", "a", "c"]) == [True, True, False, True]
    assert guard.calls == [["a", "b", "a", "c"]]


def test_a_spend_alone_in_its_turn_is_left_to_the_caller() -> None:
    guard = RecordingGuard()
    assert run(guard, ["a"]) == [None]
    assert guard.calls == []


def test_a_failed_group_leaves_each_spend_to_its_caller() -> None:
    guard = RecordingGuard(fail=True)
    assert run(guard, ["a", "b", "c"]) == [None, None, None]
    assert guard.calls == [["a", "b", "c"]]


def test_later_turns_make_groups_of_their_own() -> None:
    guard = RecordingGuard()
    group = GroupSpend(lambda: guard)  # type: ignore[arg-type,return-value]

    async def two_turns() -> list[bool | None]:
        first = await asyncio.gather(group.spend(checked("a")), group.spend(checked("b")))
        second = await asyncio.gather(group.spend(checked("a")), group.spend(checked("c")))
        return [*first, *second]

    assert asyncio.run(two_turns()) == [True, True, False, True]
    assert guard.calls == [["a", "b"], ["a", "c"]]


@pytest.mark.parametrize("cancelled", [0, 1])
def test_a_request_that_went_away_does_not_stop_the_others(cancelled: int) -> None:
    guard = RecordingGuard()
    group = GroupSpend(lambda: guard)  # type: ignore[arg-type,return-value]

    async def one_goes_away() -> list[bool | None]:
        tasks = [asyncio.ensure_future(group.spend(checked(jti))) for jti in ("a", "b", "c")]
        await asyncio.sleep(0)  # all three wait for the commit
        tasks[cancelled].cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        return [d if not isinstance(d, BaseException) else None for d in done]

    answers = asyncio.run(one_goes_away())
    assert guard.calls == [["a", "b", "c"]]  # its proof is spent all the same
    assert [a for n, a in enumerate(answers) if n != cancelled] == [True, True]
