"""console domain: the facility staff's pages (today, alarms, access log, settings)."""
