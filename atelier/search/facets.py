"""Facet counts from an index: terms aggregations, disjunctive faceting (each facet counted with
the filters of the OTHER facets, so that several values of one facet can be ticked), bit-set
facets, and the page arithmetic every result list shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import tantivy

from .conditions import all_of


def terms(field: str, size: int) -> dict:
    """An exact terms aggregation of `field` (at most `size` distinct values)."""
    return {"terms": {"field": field, "size": size, "segment_size": size}}


def buckets(result: dict, name: str) -> list[tuple[Any, int]]:
    return [(b["key"], b["doc_count"]) for b in result.get(name, {}).get("buckets", [])]


def bits_of_masks(masks: list[tuple[Any, int]]) -> list[tuple[int, int]]:
    """Counts by bit number from counts by whole bit set."""
    by_bit: dict[int, int] = {}
    for mask, n in masks:
        mask, bit = int(mask), 0
        while mask:
            if mask & 1:
                by_bit[bit] = by_bit.get(bit, 0) + n
            mask >>= 1
            bit += 1
    return list(by_bit.items())


def disjunctive_counts(
    searcher: tantivy.Searcher,
    base: tantivy.Query | None,
    filters: dict[str, tantivy.Query],
    aggregations: dict[str, dict],
    *,
    dense: tuple[str, ...] = (),
    count_field: str = "id",
) -> tuple[int, dict[str, list[tuple[Any, int]]]]:
    """(total, buckets by facet name) of the documents matching `base` and every filter.

    `filters` holds the facets with a selection (name -> query), `aggregations` every facet
    to count (name -> aggregation). Facets without a selection are counted together in one
    call over all the filters; each selected facet in a call of its own with the other facets'
    filters. The total comes from the buckets of a facet of `dense` (one every document
    holds: its buckets add up to the total) when one is counted in that first call, else from
    a value count of `count_field`."""
    counts: dict[str, list[tuple[Any, int]]] = {name: [] for name in aggregations}
    first = {name: agg for name, agg in aggregations.items() if name not in filters}
    by_dense = next((name for name in dense if name in first), None)
    if by_dense is None:
        first["_total"] = {"value_count": {"field": count_field}}
    result = searcher.aggregate(all_of(base, *filters.values()), first)
    if by_dense is None:
        total = int(result.get("_total", {}).get("value") or 0)
    else:
        total = sum(n for _key, n in buckets(result, by_dense))
        total += int(result.get(by_dense, {}).get("sum_other_doc_count") or 0)
    for name in first:
        if name != "_total":
            counts[name] = buckets(result, name) if total else []
    for name, agg in aggregations.items():
        if name in filters:
            others = [q for other, q in filters.items() if other != name]
            result = searcher.aggregate(all_of(base, *others), {name: agg})
            counts[name] = buckets(result, name)
    return total, counts


@dataclass(frozen=True)
class PageWindow:
    """Which page of a result list to show: pages are numbered from 1, at most `browsable`
    results can be paged through (deep offsets cost), a page past the end shows the last."""

    page: int
    page_size: int
    num_pages: int
    browsable: int

    @property
    def start(self) -> int:
        return (self.page - 1) * self.page_size

    @classmethod
    def of(cls, total: int, page: int, page_size: int, max_browsable: int) -> PageWindow:
        browsable = min(total, max_browsable)
        num_pages = max(1, -(-browsable // page_size))
        return cls(min(max(page, 1), num_pages), page_size, num_pages, browsable)
