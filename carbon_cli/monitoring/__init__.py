"""After selection: a pilot's surveys year by year (history.py), judged against its plan (tracking.py)."""
