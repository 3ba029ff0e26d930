"""Import every module that declares a job kind, so the worker knows them all."""

from tracker import privacy  # noqa: F401 - declares privacy_purge
from tracker.assignments import reminders  # noqa: F401 - declares assignment_reminders
from tracker.documents import extract_job  # noqa: F401 - declares extract_text
from tracker.mail import delivery  # noqa: F401 - declares deliver_email
from tracker.notifications import digest  # noqa: F401 - declares send_digests
from tracker.replies import fetch  # noqa: F401 - declares fetch_replies
from tracker.sample_facts import job  # noqa: F401 - declares sample_facts
from tracker.webhooks import delivery as webhook_delivery  # noqa: F401 - deliver_webhook
