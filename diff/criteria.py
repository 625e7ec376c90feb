"""Changes between the criteria trees of two versions, from the alignment of diff/align.py."""

from __future__ import annotations

from collections.abc import Sequence

from policydiff.diff.align import Group, Node, align, flatten, label_key
from policydiff.diff.direction import (
    Verdict,
    combine,
    coverage_direction,
    exclusions_apart,
    listed_item_direction,
    logic_direction,
    polarity,
    reason,
    threshold_direction,
    turned,
    wording_direction,
)
from policydiff.diff.quantities import quantity_changes
from policydiff.diff.significance import Renumber, is_furniture, reasons_of, word_ops
from policydiff.diff.words import key, same_layout_aside
from policydiff.model import Criterion
from policydiff.model.diff import Change, QuantityChange, WordOp

TOP_LEVEL = "top level"


class Trees:
    """Both flattened trees and their alignment, with the lookups the change builders need."""

    def __init__(self, left: list[Criterion], right: list[Criterion]) -> None:
        self.left, self.right = flatten(left), flatten(right)
        self.groups = align(self.left, self.right)
        self.group_of_left = {i: g for g in self.groups for i in g.left}
        self.group_of_right = {i: g for g in self.groups for i in g.right}

    def same_parent(self, lnode: Node, rnode: Node) -> bool:
        if lnode.parent is None or rnode.parent is None:
            return lnode.parent is None and rnode.parent is None
        return self.group_of_left[lnode.parent] is self.group_of_right[rnode.parent]

    def renumber_for(self, lnode: Node) -> Renumber:
        """Maps the labels a cross-reference in `lnode` cites to the labels they carry on the right."""

        def renumber(labels: list[str]) -> list[str] | None:
            for scope in self.scopes(lnode):
                by_label = {label_key(self.left[i].criterion.label): i for i in scope}
                if all(label in by_label for label in labels):
                    return self.mapped_labels([by_label[label] for label in labels])
            return None

        return renumber

    def scopes(self, lnode: Node) -> list[list[int]]:
        """Lists a reference may cite: own children, siblings, ancestors' siblings, then every list."""
        scopes = [lnode.children]
        node: Node | None = lnode
        while node is not None:
            scopes.append(node.siblings)
            node = self.left[node.parent] if node.parent is not None else None
        scopes.extend(n.children for n in self.left)
        return [scope for scope in scopes if scope]

    def mapped_labels(self, cited: list[int]) -> list[str] | None:
        """Right labels of the cited items, with items added among them (they joined the cited run)."""
        mapped = [self.group_of_left[i].right[0] for i in cited if self.group_of_left[i].right]
        if not mapped:
            return []
        scope = self.right[mapped[0]].siblings
        if not set(mapped) <= set(scope):
            return None
        places = [scope.index(i) for i in mapped]
        run = scope[min(places) : max(places) + 1]
        kept = [i for i in run if i in mapped or not self.group_of_right[i].left]
        return [label_key(self.right[i].criterion.label) for i in kept]

    def reordered(self) -> set[int]:
        """Left indices of paired items whose order among their siblings changed."""
        by_parent: dict[int, list[tuple[int, int, int]]] = {}
        for group in self.groups:
            if len(group.left) != 1 or len(group.right) != 1:
                continue
            lnode, rnode = self.left[group.left[0]], self.right[group.right[0]]
            if self.same_parent(lnode, rnode):
                parent = -1 if lnode.parent is None else lnode.parent
                by_parent.setdefault(parent, []).append((lnode.position, rnode.position, lnode.index))
        moved: set[int] = set()
        for items in by_parent.values():
            items.sort()
            keep = in_every_longest_run([right for _, right, _ in items])
            moved.update(index for place, (_, _, index) in enumerate(items) if place not in keep)
        return moved


def in_every_longest_run(values: Sequence[int]) -> set[int]:
    """Places that belong to every longest increasing subsequence of `values`.

    The others changed order. Asking for every longest run (not one of them) keeps the answer the same
    read in either direction: after a swap of two items, both moved.
    """
    count = len(values)
    ending = [1] * count  # longest run ending at each place
    for i in range(count):
        for j in range(i):
            if values[j] < values[i]:
                ending[i] = max(ending[i], ending[j] + 1)
    starting = [1] * count  # longest run starting at each place
    for i in reversed(range(count)):
        for j in range(i + 1, count):
            if values[i] < values[j]:
                starting[i] = max(starting[i], starting[j] + 1)
    longest = max(ending, default=0)
    on_some = [i for i in range(count) if ending[i] + starting[i] - 1 == longest]
    by_length: dict[int, list[int]] = {}
    for i in on_some:
        by_length.setdefault(ending[i], []).append(i)
    return {places[0] for places in by_length.values() if len(places) == 1}


def criteria_changes(left: list[Criterion], right: list[Criterion], furniture: Sequence[str]) -> list[Change]:
    trees = Trees(left, right)
    reordered = trees.reordered()
    changes = []
    for group in sorted(trees.groups, key=lambda g: document_place(trees, g)):
        change = group_change(trees, group, reordered, furniture)
        if change is not None:
            changes.append(change)
    return changes


def document_place(trees: Trees, group: Group) -> tuple[int, int, int]:
    """Reading order: right order; a removed item right after the item that preceded it on the left."""
    if group.right:
        return (min(group.right), 0, 0)
    first = min(group.left)
    anchor = next(
        (min(trees.group_of_left[i].right) for i in range(first - 1, -1, -1) if trees.group_of_left[i].right),
        -1,
    )
    return (anchor, 1, first)


def bare(criterion: Criterion) -> Criterion:
    """The item without its subtree: each descendant is a change of its own."""
    return criterion.model_copy(update={"children": []})


def group_change(trees: Trees, group: Group, reordered: set[int], furniture: Sequence[str]) -> Change | None:
    lefts = [trees.left[i] for i in sorted(group.left)]
    rights = [trees.right[i] for i in sorted(group.right)]
    if not rights or not lefts:
        node = (lefts or rights)[0]
        text = node.criterion.text
        cosmetic = not key(text) or is_furniture(text, furniture)
        nodes = trees.left if lefts else trees.right
        verdict = listed_verdict(nodes, node, added=not lefts)
        return Change(
            id="",
            section="criteria",
            change="removed" if lefts else "added",
            left=bare(node.criterion) if lefts else None,
            right=bare(node.criterion) if rights else None,
            significance="cosmetic" if cosmetic else "substantive",
            subject=f"criterion {node.criterion.id}",
            summary=f"criterion {node.criterion.id} {'removed' if lefts else 'added'}",
            reasons=["page furniture" if cosmetic else "criterion " + ("removed" if lefts else "added")],
            left_ids=[node.criterion.id] if lefts else [],
            right_ids=[node.criterion.id] if rights else [],
            direction=None if cosmetic else verdict.direction,
            direction_reasons=[] if cosmetic else list(verdict.reasons),
        )
    return pair_change(trees, group, lefts, rights, reordered, furniture)


def pair_change(
    trees: Trees,
    group: Group,
    lefts: list[Node],
    rights: list[Node],
    reordered: set[int],
    furniture: Sequence[str],
) -> Change | None:
    lnode, rnode = lefts[0], rights[0]
    before, after = lnode.criterion, rnode.criterion
    fields: list[str] = []
    reasons: list[str] = []
    substantive = False
    left_text = " ".join(n.criterion.text for n in lefts)
    right_text = " ".join(n.criterion.text for n in rights)
    ops = []
    if not same_layout_aside(left_text, right_text):
        ops = word_ops(left_text, right_text, trees.renumber_for(lnode), furniture)
        text_substantive, text_reasons = reasons_of(ops)
        fields.append("text")
        reasons.extend(text_reasons)
        substantive |= text_substantive
    # Unlabelled paragraphs joined or split with the same words are reflow: kind, coverage and logic
    # are read from the words, so what differs is where the paragraphs were cut, not what they say.
    reflow = False
    if len(lefts) > 1 or len(rights) > 1:
        fields.append("merged" if len(lefts) > 1 else "split")
        labelled = any(n.criterion.label for n in lefts + rights)
        reflow = not (substantive or labelled)
        reasons.append(
            "paragraphs joined or split" if reflow else f"{len(lefts)} item(s) became {len(rights)}"
        )
        substantive |= not reflow
    if label_key(before.label) != label_key(after.label):
        fields.append("label")
        reasons.append("renumbering")
    for name in ("kind", "coverage", "logic"):
        if getattr(before, name) != getattr(after, name):
            fields.append(name)
            reasons.append(f"{name} {getattr(before, name)} -> {getattr(after, name)}")
            # An item's kind is read from its list's logic ("ALL of" items are requirements, "ANY of"
            # items indications): where that logic changed, the list's change says it, not each item.
            substantive |= not reflow and not (name == "kind" and list_logic_changed(trees, lnode, rnode))
    if key(before.service or "") != key(after.service or ""):
        fields.append("service")
        reasons.append("service")
        substantive |= not reflow
    quantities = quantity_changes(
        [q for n in lefts for q in n.criterion.quantities],
        [q for n in rights for q in n.criterion.quantities],
        ops,
    )
    if quantities:
        fields.append("quantity")
        substantive = True
    moved_from = moved_to = None
    if not trees.same_parent(lnode, rnode):
        fields.append("parent")
        reasons.append("moved to another parent")
        moved_from, moved_to = parent_id(trees.left, lnode), parent_id(trees.right, rnode)
        substantive = True
    elif lnode.index in reordered:
        fields.append("order")
        reasons.append("order")
        moved_from, moved_to = f"position {lnode.position + 1}", f"position {rnode.position + 1}"
    if not fields:
        return None
    reasons = list(dict.fromkeys(reasons))
    verdict = pair_verdict(
        trees, lnode, rnode, ops, quantities, moved=bool(moved_from) and "parent" in fields
    )
    subject = f"criterion {after.id}" + (f" (was {before.id})" if before.id != after.id else "")
    change = "moved" if moved_from else "modified"
    return Change(
        id="",
        section="criteria",
        change=change,
        field=",".join(fields),
        left=bare(before),
        right=bare(after),
        similarity=group.similarity,
        significance="substantive" if substantive else "cosmetic",
        subject=subject,
        summary=f"{subject} {change}: {', '.join(fields)}",
        reasons=reasons,
        left_ids=[n.criterion.id for n in lefts],
        right_ids=[n.criterion.id for n in rights],
        words=ops,
        quantities=quantities,
        moved_from=moved_from,
        moved_to=moved_to,
        direction=verdict.direction if substantive else None,
        direction_reasons=list(verdict.reasons) if substantive else [],
    )


def list_logic_changed(trees: Trees, lnode: Node, rnode: Node) -> bool:
    """Whether the lists two paired items stand in have different logic (an edited "ALL" -> "ANY")."""
    if lnode.parent is None or rnode.parent is None:
        return False
    return trees.left[lnode.parent].criterion.logic != trees.right[rnode.parent].criterion.logic


def parent_id(nodes: list[Node], node: Node) -> str:
    return TOP_LEVEL if node.parent is None else nodes[node.parent].criterion.id


# ------------------------------------------------------------------------------------------- direction


def denial_context(nodes: list[Node], node: Node) -> int:
    """-1 when the item or one of its ancestors is a ground for denial (an exclusion and its list)."""
    current: Node | None = node
    while current is not None:
        if polarity(current.criterion.kind, current.criterion.coverage) < 0:
            return -1
        current = nodes[current.parent] if current.parent is not None else None
    return 1


def listed_verdict(nodes: list[Node], node: Node, added: bool) -> Verdict:
    """An item added or removed: by the logic of the list it stands in, else by its own kind."""
    item = node.criterion
    if node.parent is None:
        return listed_item_direction(item.kind, item.coverage, None, 1, added)
    parent = nodes[node.parent]
    sign = denial_context(nodes, parent)
    return listed_item_direction(item.kind, item.coverage, parent.criterion.logic, sign, added)


def pair_verdict(
    trees: Trees, lnode: Node, rnode: Node, ops: list[WordOp], quantities: list[QuantityChange], moved: bool
) -> Verdict:
    """A modified item: its coverage and logic, its thresholds and its changed words, as one verdict."""
    before, after = lnode.criterion, rnode.criterion
    sign = denial_context(trees.right, rnode)
    parts = [coverage_direction(before.coverage, after.coverage)]
    parts.append(turned(logic_direction(before.logic, after.logic), sign))
    parts.extend(turned(threshold_direction(q.before, q.after), sign) for q in quantities)
    if moved or polarity(before.kind, before.coverage) != polarity(after.kind, after.coverage):
        parts.append(Verdict("unclear", (reason("place_or_kind"),)))
    elif before.coverage == after.coverage:  # a changed position explains its own words
        inserted, deleted = changed_words(ops, skip_numbers=bool(quantities))
        exclusions, inserted, deleted = exclusions_apart(inserted, deleted)
        parts.append(exclusions)
        parts.append(turned(wording_direction(inserted, deleted), sign))
    return combine(parts)


def changed_words(ops: list[WordOp], skip_numbers: bool) -> tuple[list[str], list[str]]:
    """Words inserted and deleted by the substantive runs (numbers aside when thresholds say them)."""
    inserted, deleted = [], []
    for op in ops:
        if op.significance != "substantive":
            continue
        if skip_numbers and any(ch.isdigit() for ch in op.left + op.right):
            continue
        if op.right.strip():
            inserted.append(op.right)
        if op.left.strip():
            deleted.append(op.left)
    return inserted, deleted
