"""Privacy: retention per site, the visitor's rights (see, download, erase), notices and
consent."""
