from batchtui.cli import entry

entry()
