"""Host pages: invite, my visits, one visit."""
