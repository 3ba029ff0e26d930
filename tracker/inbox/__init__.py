"""The inbox filter and the one query that listings, exports and bulk actions share."""
