"""The spread of work, as plain arithmetic on plain numbers (no Django): how evenly the army's
work falls on its peers (Gini) and how much of it the busiest peers carry."""

from math import ceil


def gini(values) -> float | None:
    """0 when everyone did the same, towards 1 when one peer did everything; None for nobody.

    The mean absolute difference over twice the mean, computed on the sorted values in
    O(n log n): G = (2 Σ i·x_i) / (n Σ x) − (n + 1) / n, with i from 1."""
    xs = sorted(v for v in values if v >= 0)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total == 0:
        return None
    weighted = sum(i * x for i, x in enumerate(xs, start=1))
    return max(0.0, min(1.0, (2 * weighted) / (n * total) - (n + 1) / n))


def top_share(values, fraction=0.1) -> float | None:
    """The share of all work done by the busiest `fraction` of peers (at least one peer)."""
    xs = sorted((v for v in values if v >= 0), reverse=True)
    total = sum(xs)
    if not xs or total == 0:
        return None
    count = max(1, ceil(len(xs) * fraction))
    return sum(xs[:count]) / total


def per_task(cost_minor: int, tasks: int) -> int | None:
    """The cost of one completed task, rounded half up to the cent; None without tasks."""
    if tasks <= 0:
        return None
    return (2 * cost_minor + tasks) // (2 * tasks)
