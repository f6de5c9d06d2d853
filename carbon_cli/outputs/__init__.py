"""Outputs: every report format (Markdown, web page, Word) of a community and of a district,
the district result they are written from, the results files and the charts."""
