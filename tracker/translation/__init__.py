"""Machine-translated previews of applicants' documents, only where configured and allowed.

``endpoint`` checks TRANSLATION_URL, ``client`` speaks LibreTranslate's HTTP API,
``switch`` is the admins' on/off setting and ``previews`` asks for, stores and lists
the previews.
"""
