"""Users and sign-in: accounts with a role (admin, staff, host), password hashing (argon2),
sessions for pages and bearer tokens for the API, and the same-origin guard on form posts.

Owns: User and ApiToken rows (models), the login page and token API (routes).
"""
