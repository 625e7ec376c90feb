"""Criteria of two versions matched by content, not by label.

Both trees are flattened; nodes are paired first by equal words (a renumbered item keeps its words),
then greedily by rapidfuzz similarity, helped by tree position (parents already paired, same place
among siblings). A node left over whose words are contained in a node of the other version joins that
node's group, so a split or a merge is one group (one modified change), not an add plus a remove.
Every rule looks at both versions the same way, so diff(b, a) mirrors diff(a, b).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from policydiff.diff.words import key
from policydiff.model import Criterion
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

MATCH = 0.6  # words similarity that pairs two criteria on its own
MATCH_IN_PLACE = 0.45  # ... when they also sit between paired neighbours under paired parents
PARENT_BONUS = 0.1
PLACE_BONUS = 0.02  # a tie-breaker: text similarity decides
JOIN = 85  # ratio of an item to a run of items of the other version read as one
MAX_RUN = 4
MIN_LENGTH_RATIO = 0.8
CONTAINED = 90  # partial_ratio of a piece inside the item it was split from
SPLIT_COVERS = 80  # ratio between an item and its pieces joined
LABEL_MARKS = re.compile(r"[\s().\[\]]")


@dataclass
class Node:
    index: int  # document order in its tree
    criterion: Criterion
    parent: int | None
    position: int  # place among its siblings
    key: str
    children: list[int] = field(default_factory=list)
    siblings: list[int] = field(default_factory=list)  # the list it sits in (itself included)


@dataclass
class Group:
    """Criteria of the left and right versions that are one item (1:1, or split / merged)."""

    left: list[int]
    right: list[int]
    similarity: float | None = None


def flatten(criteria: list[Criterion]) -> list[Node]:
    nodes: list[Node] = []

    def walk(items: list[Criterion], parent: int | None) -> None:
        for position, item in enumerate(items):
            node = Node(len(nodes), item, parent, position, key(item.text))
            nodes.append(node)
            if parent is not None:
                nodes[parent].children.append(node.index)
            walk(item.children, node.index)

    walk(criteria, None)
    roots = [node.index for node in nodes if node.parent is None]
    for node in nodes:
        node.siblings = roots if node.parent is None else nodes[node.parent].children
    return nodes


def label_key(label: str | None) -> str:
    return LABEL_MARKS.sub("", label or "").lower()


def align(left: list[Node], right: list[Node]) -> list[Group]:
    """Groups covering every node of both sides once; unpaired nodes are groups with one side empty."""
    pairs: dict[int, int] = {}
    pair_equal_words(left, right, pairs)
    joins = join_runs(left, right, pairs)
    joined = {("L", i) for ls, _ in joins for i in ls} | {("R", i) for _, rs in joins for i in rs}
    while pair_similar(left, right, pairs, joined):
        pass
    return groups(left, right, pairs, joins)


def join_runs(
    left: list[Node], right: list[Node], pairs: dict[int, int]
) -> list[tuple[list[int], list[int]]]:
    """Items that read as a run of consecutive items of the other version (split or merged paragraphs).

    Taken before one-to-one pairing, and only when the run reads closer to the item than any single
    item does: otherwise a merged paragraph would pair with whichever half it resembles most.
    """
    paired_right = set(pairs.values())
    free = {
        "L": [n for n in left if n.index not in pairs],
        "R": [n for n in right if n.index not in paired_right],
    }
    nodes = {"L": left, "R": right}
    candidates = []
    for side, other in (("L", "R"), ("R", "L")):
        free_other = {n.index for n in free[other]}
        for node in free[side]:
            if not node.key:
                continue
            best_single = max((fuzz.ratio(node.key, n.key) for n in free[other]), default=0)
            for run in free_runs(nodes[other], free_other):
                text = " ".join(nodes[other][i].key for i in run)
                if not MIN_LENGTH_RATIO <= len(text) / len(node.key) <= 1 / MIN_LENGTH_RATIO:
                    continue
                similarity = fuzz.ratio(node.key, text)
                if similarity < JOIN or similarity <= best_single:
                    continue
                if any(best_partner(nodes[other][i], free[side]) >= similarity for i in run):
                    continue
                ls, rs = ([node.index], run) if side == "L" else (run, [node.index])
                candidates.append((-similarity, min(ls) + min(rs), ls, rs))
    candidates.sort()
    joins, used = [], set()
    for _, _, ls, rs in candidates:
        members = {("L", i) for i in ls} | {("R", i) for i in rs}
        if not members & used:
            used |= members
            joins.append((ls, rs))
    return joins


def free_runs(nodes: list[Node], free: set[int]) -> list[list[int]]:
    """Runs of two to MAX_RUN consecutive unpaired siblings."""
    runs, seen_lists = [], set()
    for node in nodes:
        if id(node.siblings) in seen_lists:
            continue
        seen_lists.add(id(node.siblings))
        items = node.siblings
        for start in range(len(items)):
            for end in range(start + 2, min(start + MAX_RUN, len(items)) + 1):
                run = items[start:end]
                if not all(i in free for i in run):
                    break
                runs.append(run)
    return runs


def best_partner(node: Node, candidates: list[Node]) -> float:
    return max((fuzz.ratio(node.key, n.key) for n in candidates), default=0)


def pair_equal_words(left: list[Node], right: list[Node], pairs: dict[int, int]) -> None:
    by_key: dict[str, list[int]] = defaultdict(list)
    for node in right:
        if node.key:
            by_key[node.key].append(node.index)
    seen: dict[str, int] = defaultdict(int)
    for node in left:
        candidates = by_key.get(node.key, [])
        if node.key and seen[node.key] < len(candidates):
            pairs[node.index] = candidates[seen[node.key]]
            seen[node.key] += 1


def pair_similar(
    left: list[Node], right: list[Node], pairs: dict[int, int], joined: set[tuple[str, int]]
) -> bool:
    """One greedy round over the unpaired nodes; True when it paired any."""
    paired_right = set(pairs.values())
    free_left = [n for n in left if n.index not in pairs and ("L", n.index) not in joined]
    free_right = [n for n in right if n.index not in paired_right and ("R", n.index) not in joined]
    if not free_left or not free_right:
        return False
    scores = cdist([n.key for n in free_left], [n.key for n in free_right], scorer=fuzz.ratio)
    candidates = []
    for a, lnode in enumerate(free_left):
        for b, rnode in enumerate(free_right):
            similarity = float(scores[a][b]) / 100
            parents_paired = parents_are_paired(lnode, rnode, pairs)
            same_place = parents_paired and neighbours_paired(lnode, rnode, pairs)
            if similarity >= MATCH or (same_place and similarity >= MATCH_IN_PLACE):
                score = similarity + PARENT_BONUS * parents_paired + PLACE_BONUS * same_place
                candidates.append((-score, lnode.index + rnode.index, lnode.index, rnode.index))
    candidates.sort()
    taken_left, taken_right = set(), set()
    for _, _, li, ri in candidates:
        if li not in taken_left and ri not in taken_right:
            pairs[li] = ri
            taken_left.add(li)
            taken_right.add(ri)
    # A pairing changes which parents are paired: give the others one more round.
    return bool(taken_left) and len(taken_left) < len(free_left) and len(taken_right) < len(free_right)


def parents_are_paired(lnode: Node, rnode: Node, pairs: dict[int, int]) -> bool:
    if lnode.parent is None or rnode.parent is None:
        return lnode.parent is None and rnode.parent is None
    return pairs.get(lnode.parent) == rnode.parent


def neighbours_paired(lnode: Node, rnode: Node, pairs: dict[int, int]) -> bool:
    """The item before (or after) each is paired with the other's: the same place in the list."""
    left_siblings, right_siblings = lnode.siblings, rnode.siblings
    for step in (-1, 1):
        lp, rp = lnode.position + step, rnode.position + step
        left_in = 0 <= lp < len(left_siblings)
        right_in = 0 <= rp < len(right_siblings)
        if left_in != right_in:
            continue
        if not left_in or pairs.get(left_siblings[lp]) == right_siblings[rp]:
            return True
    return False


def groups(
    left: list[Node], right: list[Node], pairs: dict[int, int], joins: list[tuple[list[int], list[int]]]
) -> list[Group]:
    """Pairs plus split / merge pieces, joined into connected groups (union-find over both sides)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(item: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(item, item) != item:
            item = parent[item]
        return item

    def union(a: tuple[str, int], b: tuple[str, int]) -> None:
        parent[find(a)] = find(b)

    for li, ri in pairs.items():
        union(("L", li), ("R", ri))
    for ls, rs in joins:
        for member in [("L", i) for i in ls] + [("R", i) for i in rs]:
            union(("L", ls[0]), member)
    reverse = {ri: li for li, ri in pairs.items()}
    for piece_side, host_side, pieces, hosts, partner in (
        ("L", "R", left, right, reverse),
        ("R", "L", right, left, pairs),
    ):
        paired_pieces = set(partner.values()) | {
            i for ls, rs in joins for i in (ls if piece_side == "L" else rs)
        }
        for host_index, members in pieces_of(pieces, hosts, paired_pieces, partner).items():
            for piece in members:
                union((piece_side, piece), (host_side, host_index))
    members: dict[tuple[str, int], Group] = {}
    for node in left:
        members.setdefault(find(("L", node.index)), Group([], [])).left.append(node.index)
    for node in right:
        members.setdefault(find(("R", node.index)), Group([], [])).right.append(node.index)
    result = list(members.values())
    for group in result:
        if group.left and group.right:
            group.similarity = round(
                fuzz.ratio(joined_key(left, group.left), joined_key(right, group.right)) / 100, 4
            )
    return result


def pieces_of(
    pieces: list[Node], hosts: list[Node], paired_pieces: set[int], partner: dict[int, int]
) -> dict[int, list[int]]:
    """Unpaired nodes of one side that are parts of a node (host) of the other side.

    A host takes its pieces only when its own partner and the pieces, joined, read as the host.
    """
    found: dict[int, list[int]] = defaultdict(list)
    for piece in pieces:
        if piece.index in paired_pieces or not piece.key:
            continue
        best = max(
            (
                (fuzz.partial_ratio(piece.key, host.key), -host.index, host.index)
                for host in hosts
                if len(host.key) > len(piece.key)
            ),
            default=None,
        )
        if best and best[0] >= CONTAINED:
            found[best[2]].append(piece.index)
    accepted = {}
    for host_index, members in found.items():
        own = [partner[host_index]] if host_index in partner else []
        parts = " ".join(n.key for n in sorted((pieces[i] for i in own + members), key=lambda n: n.index))
        if fuzz.ratio(hosts[host_index].key, parts) >= SPLIT_COVERS:
            accepted[host_index] = members
    return accepted


def joined_key(nodes: list[Node], indices: list[int]) -> str:
    return " ".join(nodes[i].key for i in sorted(indices))
