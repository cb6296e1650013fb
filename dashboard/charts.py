"""Charts of key figures against their thresholds (Altair specs; Streamlit only displays them).

Amounts are plotted in the money unit set (万元 by default, :mod:`omreview.zh`), thresholds in the same unit, so the
axis, the bars and the dashed lines read alike; a bar's tooltip gives the exact amount in 元."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from omreview import zh
from omreview.overview import KEY_FIGURES, KeyFigure, shown_number, shown_text, thresholds_of
from omreview.rules import Rules

# what alt.layer returns: a FacetChart only when the layers share facet encodings (these have none)
Chart = alt.LayerChart | alt.FacetChart
_FORMATS = {"ratio": ".0%", "CNY": ",.0f", "count": "d"}


def threshold_chart(key: KeyFigure, rows: Sequence[dict[str, Any]], rules: Rules) -> Chart | None:
    """Bars per applicant coloured by whether they reach the lowest threshold, a dashed rule per threshold."""
    data = [{**r, "meets": "达到" if r["meets"] else "未达到"} for r in rows if r["figure"] == key.name]
    if not data:
        return None
    fmt = _FORMATS.get(key.unit, ",")
    bars = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        x=alt.X("applicant:N", title="申报企业", sort=None, axis=alt.Axis(labelAngle=-90, labelOverlap=False)),
        y=alt.Y("value:Q", title=key.column, axis=alt.Axis(format=fmt)),
        color=alt.Color("meets:N", title="达到门槛",
                        scale=alt.Scale(domain=["达到", "未达到"], range=["#4c9a2a", "#d1495b"])),
        tooltip=[alt.Tooltip("applicant:N", title="申报企业"), alt.Tooltip("shown:N", title=key.label),
                 *([alt.Tooltip("exact:N", title="精确金额")] if key.unit == "CNY" else [])],
    )
    limits = [{"threshold": shown_number(value, key.unit),
               "label": f"{zh.threshold_label(name)} {_show(value, key.unit)}"}
              for name, value in thresholds_of(key, rules)]
    rules_layer = alt.Chart(alt.Data(values=limits)).mark_rule(strokeDash=[6, 4], color="#333").encode(
        y="threshold:Q", tooltip=[alt.Tooltip("label:N", title="门槛")])
    # each label written twice, under a white outline and then plain, so it stays legible over the bars
    label = alt.Chart(alt.Data(values=limits))
    halo = label.mark_text(align="left", dx=4, dy=-6, fontWeight="bold",
                           color="white", stroke="white", strokeWidth=4, strokeJoin="round")
    plain = label.mark_text(align="left", dx=4, dy=-6, fontWeight="bold", color="#222")
    labels = [mark.encode(y="threshold:Q", x=alt.value(0), text="label:N") for mark in (halo, plain)]
    return alt.layer(bars, rules_layer, *labels).properties(height=260)


def _show(value: Any, unit: str) -> str:
    """A threshold as its line's label says it, in the unit of the axis: ``3,000.00万元``, ``30.00%``, ``50``."""
    return shown_text(value, unit)


def charts(rows: Sequence[dict[str, Any]], rules: Rules) -> list[tuple[KeyFigure, Chart]]:
    return [(key, chart) for key in KEY_FIGURES if (chart := threshold_chart(key, rows, rules)) is not None]
