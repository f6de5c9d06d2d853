"""carbon-cli: screen communities for near-zero-carbon community pilots (近零碳社区试点)."""

__version__ = "0.1.0"
