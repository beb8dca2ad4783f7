"""Layout of the stakeholder map: pure functions, no ORM, no Django.

The org chart is a forest drawn top-down: roots are people without a manager (or whose manager is
not on the map). Each leaf takes the next free column and a manager sits centred over its first
and last report, so subtrees never overlap (a simple tidy-tree layout). Reporting loops should
not exist (the service refuses them), but the map must still draw if one slips in: the loop is
broken at its lowest id, which becomes a root.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

BOX_WIDTH = 210
BOX_HEIGHT = 112
H_GAP = 24
V_GAP = 48
MARGIN = 12


@dataclass(frozen=True)
class Placed:
    key: Hashable
    column: float  # 0-based, may be fractional (centred over reports)
    depth: int


def forest(edges: Iterable[tuple[Hashable, Hashable | None]]) -> tuple[list, dict[Hashable, list]]:
    """(roots, children by parent) from (person, manager) pairs, in input order, loops broken.

    Keys must be orderable (ids): the lowest key of a loop becomes a root.
    """
    edges = list(edges)
    keys = [key for key, _ in edges]
    known = set(keys)
    parent = {key: manager if manager in known and manager != key else None for key, manager in edges}
    roots = [key for key in keys if parent[key] is None]
    reached = _reachable(roots, parent)
    while len(reached) < len(keys):  # whatever is left hangs off a loop
        breaker = min(key for key in keys if key not in reached)
        parent[breaker] = None
        roots.append(breaker)
        reached = _reachable(roots, parent)
    children: dict[Hashable, list] = {key: [] for key in keys}
    for key in keys:
        if parent[key] is not None:
            children[parent[key]].append(key)
    return roots, children


def _reachable(roots: list, parent: dict) -> set:
    children: dict = {}
    for key, manager in parent.items():
        if manager is not None:
            children.setdefault(manager, []).append(key)
    seen, stack = set(), list(roots)
    while stack:
        key = stack.pop()
        if key not in seen:
            seen.add(key)
            stack.extend(children.get(key, []))
    return seen


def tidy_layout(roots: list, children: dict[Hashable, list]) -> dict[Hashable, Placed]:
    """Column and depth of every person; iterative, so a deep chart cannot hit the recursion limit."""
    placed: dict[Hashable, Placed] = {}
    next_column = 0.0
    stack: list[tuple[Hashable, int, bool]] = [(root, 0, False) for root in reversed(roots)]
    while stack:
        key, depth, expanded = stack.pop()
        reports = children.get(key, [])
        if not reports:
            placed[key] = Placed(key, next_column, depth)
            next_column += 1
        elif expanded:
            first, last = placed[reports[0]].column, placed[reports[-1]].column
            placed[key] = Placed(key, (first + last) / 2, depth)
        else:
            stack.append((key, depth, True))
            stack.extend((child, depth + 1, False) for child in reversed(reports))
    return placed


@dataclass(frozen=True)
class Box:
    key: Hashable
    x: int
    y: int


@dataclass(frozen=True)
class Line:
    """An elbow from the bottom of the manager's box to the top of the report's."""

    path: str


@dataclass(frozen=True)
class Diagram:
    boxes: dict[Hashable, Box]
    lines: list[Line]
    width: int
    height: int


def diagram(edges: Iterable[tuple[Hashable, Hashable | None]]) -> Diagram:
    """Pixel positions of boxes and connecting lines for an SVG of the org chart."""
    roots, children = forest(edges)
    placed = tidy_layout(roots, children)
    boxes = {
        key: Box(
            key,
            round(MARGIN + spot.column * (BOX_WIDTH + H_GAP)),
            MARGIN + spot.depth * (BOX_HEIGHT + V_GAP),
        )
        for key, spot in placed.items()
    }
    lines = [
        _elbow(boxes[manager], boxes[report]) for manager, reports in children.items() for report in reports
    ]
    columns = max((spot.column for spot in placed.values()), default=-1) + 1
    depths = max((spot.depth for spot in placed.values()), default=-1) + 1
    width = round(2 * MARGIN + columns * BOX_WIDTH + max(columns - 1, 0) * H_GAP)
    height = 2 * MARGIN + depths * BOX_HEIGHT + max(depths - 1, 0) * V_GAP
    return Diagram(boxes, lines, width, height)


def _elbow(manager: Box, report: Box) -> Line:
    x1, y1 = manager.x + BOX_WIDTH // 2, manager.y + BOX_HEIGHT
    x2, y2 = report.x + BOX_WIDTH // 2, report.y
    middle = y1 + V_GAP // 2
    return Line(f"M{x1},{y1} V{middle} H{x2} V{y2}")
