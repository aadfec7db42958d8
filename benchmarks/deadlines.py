"""Benchmark: the statutory clock against numpy's business-day offset, in the same run.

foidesk's ``due_date`` walks day by day so that it can explain each skipped day; numpy's
``busday_offset`` over the same UK-wide holiday list is the floor for the bare date. The
script checks both agree on every receipt date, then prints timings and the ratio.

    .venv/bin/python benchmarks/deadlines.py --years 10
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from foidesk.foi.clock import UK_CALENDAR, due_date


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10, help="receipt dates from 2015 on")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = np.datetime64("2015-01-01")
    days = np.arange(start, start + np.timedelta64(365 * args.years, "D"), dtype="datetime64[D]")
    span = np.arange(start, days[-1] + np.timedelta64(90, "D"), dtype="datetime64[D]").tolist()
    dates = days.tolist()
    due_date(dates[0])  # load the holiday calendars once, outside the timings

    def numpy_baseline() -> np.ndarray:
        holidays = [d for d in span if UK_CALENDAR.non_working_reason(d) and d.weekday() < 5]
        return np.busday_offset(days, 20, roll="backward", holidays=holidays)

    def foidesk() -> np.ndarray:
        return np.array([due_date(d).due for d in dates], dtype="datetime64[D]")

    timings = {}
    results = {}
    for name, run in (("numpy busday_offset", numpy_baseline), ("foidesk due_date", foidesk)):
        best = float("inf")
        for _ in range(args.repeat):
            began = time.perf_counter()
            results[name] = run()
            best = min(best, time.perf_counter() - began)
        timings[name] = best
    agree = bool((results["numpy busday_offset"] == results["foidesk due_date"]).all())
    base = timings["numpy busday_offset"]
    print(f"{len(dates):,} receipt dates; results agree: {agree}")
    for name, seconds in timings.items():
        per = seconds / len(dates) * 1e6
        print(f"{name:22s} {seconds:8.3f} s  {per:8.1f} us/date  {seconds / base:6.1f}x baseline")


if __name__ == "__main__":
    main()
