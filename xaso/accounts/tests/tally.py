"""Counts kept by the access-matrix test and printed in pytest's terminal summary."""

MATRIX: dict[str, int] = {"pairs": 0, "leaks": 0}
