"""The digest's chart as a PNG: per manager, problems now and yesterday's outcomes.

Outside the engine on purpose: matplotlib touches fonts and files; the figures it draws are
computed purely by `engine.sla.digest`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from nextstep.bot.engine.sla.digest import TeamFigures

SERIES = (
    ("overdue_tasks", "#d62728"),
    ("no_task_deals", "#ff7f0e"),
    ("stuck_deals", "#9467bd"),
    ("taken_late", "#8c564b"),
)


def digest_png(
    figures: TeamFigures,
    names: Mapping[int, str],
    labels: Mapping[str, str] | None = None,
    *,
    title: str = "",
) -> bytes:
    """A grouped bar chart (one group per manager) as PNG bytes; `labels` translate series."""
    labels = labels or {}
    managers = figures.managers
    xs = list(range(len(managers)))
    width = 0.8 / (len(SERIES) + 1)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(managers) + 2), 3.6), dpi=120)
    try:
        for i, (series, colour) in enumerate(SERIES):
            values = [getattr(m, series) for m in managers]
            offsets = [x + (i - len(SERIES) / 2) * width for x in xs]
            ax.bar(offsets, values, width, label=labels.get(series, series), color=colour)
        done = [sum(n for _, n in m.outcomes) for m in managers]
        offsets = [x + (len(SERIES) / 2) * width for x in xs]
        ax.bar(offsets, done, width, label=labels.get("outcomes", "outcomes"), color="#2ca02c")
        ax.set_xticks(xs, [names.get(m.crm_user_id, str(m.crm_user_id)) for m in managers])
        ax.tick_params(axis="x", labelrotation=30)
        ax.legend(fontsize="small", ncols=3)
        if title:
            ax.set_title(title)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
