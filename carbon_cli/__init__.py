"""carbon-cli: screen communities for near-zero-carbon community pilots (近零碳社区试点)."""

import os

# openpyxl writes its XML with lxml whenever lxml can be imported (python-docx, pandas and many
# others install it), and the files then differ byte for byte from those written without it.
# Pin the standard-library writer (set before openpyxl is first imported) so the same inputs give
# the same workbooks on every machine.
os.environ["OPENPYXL_LXML"] = "False"

__version__ = "0.1.0"
