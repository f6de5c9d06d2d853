"""Scoring: criteria sets, their evaluation, and the Assessment (one community's result object and its JSON form)."""
