"""The demo story and installer tools that span server, edge and simulation."""
