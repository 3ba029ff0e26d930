"""Every email: templates (render), outbox (queue), delivery (SMTP), compose and drafts."""
