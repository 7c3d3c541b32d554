"""The results table, as aligned text for a terminal or as Markdown for the README."""

from dataclasses import dataclass

HEADERS = ("metric", "docgen", "baseline", "ratio docgen/baseline", "goal", "pass/fail")


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


def ratio_row(metric: str, docgen: float, baseline: float, max_ratio: float | None) -> Row:
    """A timing row; it passes when docgen takes at most ``max_ratio`` of the baseline's time."""
    ratio = docgen / baseline
    return Row(
        metric,
        ms(docgen),
        ms(baseline),
        ratio,
        "-" if max_ratio is None else f"ratio <= {max_ratio:.2f}",
        None if max_ratio is None else ratio <= max_ratio,
    )


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
