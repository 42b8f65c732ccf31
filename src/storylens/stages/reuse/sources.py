"""How many independent sources a set of documents has, once copies are collapsed.

Only near-duplicates collapse: a reprint adds no independent reporting. Articles that merely
share passages (a quoted statement, a pasted excerpt) still did their own reporting around it, so
they stay separate sources; quote groups count independent outlets per statement the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from storylens.model import Reuse

NEAR_DUPLICATE = "near-duplicate"


def independent_sources(doc_ids: Iterable[str], reuse_pairs: Iterable[Reuse]) -> int:
    """The number of connected components of `doc_ids` joined by near-duplicate pairs.

    Pairs naming documents outside `doc_ids` are ignored (they cannot join two inside it through
    an outside document: a chain through an outsider is not evidence of copying between them).
    """
    parent = {doc_id: doc_id for doc_id in doc_ids}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for pair in reuse_pairs:
        if pair.kind == NEAR_DUPLICATE and pair.a in parent and pair.b in parent:
            parent[root(pair.a)] = root(pair.b)
    return len({root(node) for node in parent})
