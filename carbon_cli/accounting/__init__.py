"""Accounting: emission factor sets and the carbon inventory of a survey."""
