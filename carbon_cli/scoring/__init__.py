"""Scoring: criteria sets (`criteria`, read from any file by `criteria_files`), their evaluation,
the Assessment (one community's result object) and the robustness of its verdict."""
