"""An application's life: submission, status pipeline, ratings, teamwork, duplicates, timeline."""
