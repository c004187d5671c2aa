"""Traffic lights (亮灯) drawn without emoji: a coloured badge with the word and a shape (■ 红灯,
▲ 黄灯, ● 绿灯), so a light reads the same without an emoji font and without telling colours apart."""
from __future__ import annotations

import pandas as pd

from ui.session import t

COLOURS = {"red": "red", "yellow": "orange", "green": "green", "closed": "gray"}
# Cell colours of a light in a table: background, text (contrast above 4.5:1 for both).
CELLS = {"red": ("#b71c1c", "#ffffff"), "yellow": ("#ffd54f", "#3e2723"), "green": ("#1b5e20", "#ffffff"),
         "closed": ("#e0e0e0", "#212121")}


def text(light: str | None) -> str:
    """The light as a word with its shape, e.g. "■ 红灯"."""
    return t(f"whistle.light.{light}") if light in COLOURS else ""


def badge(light: str | None) -> str:
    """Markdown of the light as a coloured badge."""
    if light not in COLOURS:
        return ""
    return f":{COLOURS[light]}-badge[{text(light)}]"


def styled(frame: pd.DataFrame, column: str, lights: list[str | None]):
    """`frame` with the cells of `column` coloured by `lights` (one per row), for st.dataframe."""
    def colour(col):
        return [f"background-color: {CELLS[x][0]}; color: {CELLS[x][1]}; font-weight: 600" if x in CELLS else ""
                for x in lights] if col.name == column else [""] * len(col)
    return frame.style.apply(colour, axis=0)
