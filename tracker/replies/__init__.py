"""Applicants' replies: fetched from the desk's mailbox over IMAP and filed on the candidate.

Every email to an applicant carries a reply address with the application's opaque token
(:func:`tracker.mail.outbox.reply_to_address`). The worker's ``fetch_replies`` job
(:mod:`tracker.replies.fetch`) reads the mailbox (:mod:`tracker.replies.mailbox`), parses
each message (:mod:`tracker.replies.message`) and files it (:mod:`tracker.replies.filing`):
a reply on its candidate's timeline, a bounce on the email it returns, and nothing of
mail it cannot match, which stays in the mailbox untouched.
"""
