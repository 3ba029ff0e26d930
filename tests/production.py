"""What every production app in the tests sets besides its key and address."""

# The controller's details the built-in privacy notice needs (production refuses to start
# without them unless PRIVACY_NOTICE_FILE is set).
PRIVACY_SETTINGS = {
    "PRIVACY_CONTROLLER_NAME": "Kaukasus-Redaktion gGmbH",
    "PRIVACY_CONTROLLER_ADDRESS": "Oranienstraße 25, 10999 Berlin, Germany",
    "PRIVACY_CONTACT_EMAIL": "datenschutz@experts.example.org",
}
