"""Staff sign-in: password then a second factor (TOTP or a recovery code), lockout, session
ends, re-authentication before money operations (PCI DSS 4.0 req. 8). README, "Signing in"."""
