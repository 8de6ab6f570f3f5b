"""A batch of profiles as bit sets: profile i is bit i of a Python int. Each answer value gets
one mask (the profiles that gave it), built in one pass over the batch; a condition is then a
few ORs and ANDs of those masks, whatever the number of profiles, and each distinct condition
is evaluated once for the whole batch (`memo`)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .nodes import Facts, Node


def mask_of(positions: Iterable[int], size: int) -> int:
    """The int whose bits `positions` are set (one pass, no big-int arithmetic per bit)."""
    buffer = bytearray((size + 7) // 8)
    for i in positions:
        buffer[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buffer, "little")


def positions_of(mask: int) -> list[int]:
    """The set bits of `mask`, lowest first."""
    text = bin(mask)[:1:-1]  # lowest bit first
    found = []
    i = text.find("1")
    while i >= 0:
        found.append(i)
        i = text.find("1", i + 1)
    return found


class BatchIndex:
    """Masks of a batch of `Facts`, built on demand per field and memoised per node."""

    def __init__(self, facts: Sequence[Facts]):
        self.facts = facts
        self.size = len(facts)
        self.all = (1 << self.size) - 1
        self._values: dict[str, dict[Hashable, int]] = {}
        self._members: dict[str, dict[str, int]] = {}
        self._memo: dict[Node, int] = {}
        self._amounts: tuple[list[int], list[int], int] | None = None

    def memo(self, node: Node) -> int:
        found = self._memo.get(node)
        if found is None:
            found = self._memo[node] = node.mask(self)
        return found

    def _value_masks(self, attr: str) -> dict[Hashable, int]:
        masks = self._values.get(attr)
        if masks is None:
            positions: dict[Hashable, list[int]] = {}
            for i, facts in enumerate(self.facts):
                positions.setdefault(getattr(facts, attr), []).append(i)
            masks = {v: mask_of(p, self.size) for v, p in positions.items()}
            self._values[attr] = masks
        return masks

    def any_value(self, attr: str, values: Iterable[Hashable]) -> int:
        masks = self._value_masks(attr)
        found = 0
        for value in values:
            found |= masks.get(value, 0)
        return found

    def any_member(self, attr: str, values: Iterable[str]) -> int:
        masks = self._members.get(attr)
        if masks is None:
            positions: dict[str, list[int]] = {}
            for i, facts in enumerate(self.facts):
                for value in getattr(facts, attr):
                    positions.setdefault(value, []).append(i)
            masks = {v: mask_of(p, self.size) for v, p in positions.items()}
            self._members[attr] = masks
        found = 0
        for value in values:
            found |= masks.get(value, 0)
        return found

    def _amount_masks(self) -> tuple[list[int], list[int], int]:
        """(distinct amounts ascending, mask of the profiles asking at most each of them,
        mask of the profiles that gave no amount)."""
        if self._amounts is None:
            by_amount = self._value_masks("amount")
            unknown = by_amount.get(None, 0)
            amounts: list[int] = sorted(a for a in by_amount if isinstance(a, int))
            cumulative, running = [], 0
            for amount in amounts:
                running |= by_amount[amount]
                cumulative.append(running)
            self._amounts = (amounts, cumulative, unknown)  # type: ignore[assignment]
        return self._amounts  # type: ignore[return-value]

    def amount_at_most(self, limit: Decimal | int) -> int:
        amounts, cumulative, _unknown = self._amount_masks()
        j = bisect_right(amounts, limit) - 1
        return cumulative[j] if j >= 0 else 0

    def amount_at_least(self, limit: Decimal | int) -> int:
        amounts, cumulative, _unknown = self._amount_masks()
        known = cumulative[-1] if cumulative else 0
        j = bisect_left(amounts, limit) - 1
        return known ^ cumulative[j] if j >= 0 else known

    def amount_unknown(self) -> int:
        return self._amount_masks()[2]
