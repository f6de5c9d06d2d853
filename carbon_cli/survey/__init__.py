"""Survey intake: the data dictionary, value parsing, workbook layouts, reading and checking."""
