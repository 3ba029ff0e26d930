"""Uploaded documents: validation by content, text extraction, storage, serving to staff."""
