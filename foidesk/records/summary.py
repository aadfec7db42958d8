"""Summaries of a snapshot: what a store holds, by year of recording and offence group.

``summary`` is the first look at any snapshot, synthetic or loaded: crimes per calendar
year of the recorded date and offence group (from the snapshot's own offence
classification, so it works for any scheme), with the domestic-abuse-flagged total.
"""

from __future__ import annotations

import pandas as pd

from foidesk.records.store import Snapshot, Store

DA_COLUMN = "Domestic-abuse flagged"


def summary(store: Store, snapshot: Snapshot | None = None) -> pd.DataFrame:
    """Crimes by year (rows) and offence group (columns), plus the DA-flagged total.

    Crimes whose code is missing from the classification count under "(unclassified)"
    so that the row totals always equal the crimes recorded in the year.
    """
    snap = snapshot or store.snapshot()
    crimes = store.relation("crimes", snap)
    offences = store.relation("offence_classification", snap)
    counts = store.con.execute(
        f"""
        SELECT year(c.recorded_date) AS year,
               coalesce(o.offence_group, '(unclassified)') AS offence_group,
               count(*) AS crimes,
               count(*) FILTER (WHERE c.domestic_abuse) AS flagged
        FROM {crimes} c
        LEFT JOIN {offences} o ON o.scheme = c.offence_scheme AND o.code = c.offence_code
        GROUP BY ALL
        """
    ).df()
    if counts.empty:
        return pd.DataFrame(columns=[DA_COLUMN], index=pd.Index([], name="year"), dtype="int64")
    table = counts.pivot_table(
        index="year", columns="offence_group", values="crimes", aggfunc="sum", fill_value=0
    )
    table[DA_COLUMN] = counts.groupby("year")["flagged"].sum()
    table.columns.name = None
    table.index = table.index.astype("int64")
    return table.astype("int64")
