"""The expert pool: accepted candidates and imported experts, across calls."""
