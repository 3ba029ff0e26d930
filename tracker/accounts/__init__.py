"""Staff accounts: users, passwords and resets, sessions, invitations, two-factor sign-in."""
