"""The web layer every blueprint shares: access policy, security headers, errors, forms."""
