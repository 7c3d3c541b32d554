"""The results table, as aligned text for a terminal or as Markdown for the README."""

import statistics
from dataclasses import dataclass

HEADERS = ("metric", "docgen", "baseline", "ratio docgen/baseline", "goal", "pass/fail")
SPREAD = "p25-p75"
"""What the range in brackets beside a median is, for the notes."""


@dataclass(frozen=True)
class Row:
    metric: str
    docgen: str
    baseline: str
    ratio: float | None
    """None: not a ratio (a yes/no figure)."""
    goal: str
    passed: bool | None
    """None: shown for information, no goal."""

    def cells(self) -> tuple[str, ...]:
        verdict = "-" if self.passed is None else ("PASS" if self.passed else "FAIL")
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        return (self.metric, self.docgen, self.baseline, ratio, self.goal, verdict)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def ms_spread(samples: list[float]) -> str:
    """The median with its p25-p75 in brackets, so a reader can tell a ratio from noise.

    A single sample has no spread and is shown alone.
    """
    median = ms(statistics.median(samples))
    if len(samples) < 2:
        return median
    low, _, high = statistics.quantiles(samples, n=4, method="inclusive")
    return f"{median} [{low * 1000:.1f}-{high * 1000:.1f}]"


def ratio_row(
    metric: str,
    docgen: float,
    baseline: float,
    max_ratio: float | None,
    cells: tuple[str, str] | None = None,
) -> Row:
    """A timing row; it passes when docgen takes at most ``max_ratio`` of the baseline's time.

    ``cells`` replaces the two times as shown (e.g. with their spread).
    """
    ratio = docgen / baseline
    docgen_cell, baseline_cell = cells or (ms(docgen), ms(baseline))
    return Row(
        metric,
        docgen_cell,
        baseline_cell,
        ratio,
        "-" if max_ratio is None else f"ratio <= {max_ratio:.2f}",
        None if max_ratio is None else ratio <= max_ratio,
    )


def samples_row(
    metric: str, docgen: list[float], baseline: list[float], max_ratio: float | None
) -> Row:
    """A :func:`ratio_row` of the two medians, each shown with its spread."""
    return ratio_row(
        metric,
        statistics.median(docgen),
        statistics.median(baseline),
        max_ratio,
        (ms_spread(docgen), ms_spread(baseline)),
    )


def exit_code(rows: list[Row]) -> int:
    """1 when any row missed its goal, so ``make bench`` fails with it."""
    return 0 if all(row.passed is not False for row in rows) else 1


def text_table(rows: list[Row]) -> str:
    table = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[col]) for line in table) for col in range(len(HEADERS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| " + " | ".join(HEADERS) + " |",
        "| --- | ---: | ---: | ---: | --- | --- |",
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]
    return "\n".join(lines)
