"""Sites: the office a server serves (its id, name and time zone) and the zones a host may
put on a visitor's pass.

Owns: Site and visitor-zone rows (models), the site clock (clock).
"""
