"""The survey campaign: the district's roster, prefilled forms handed out, surveys collected,
workbooks sent back marked, and the collection status of every community on the roster."""
