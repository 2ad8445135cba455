"""The FAQ bot: staff-edited answers per site, matched without a hosted model."""
