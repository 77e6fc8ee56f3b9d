"""IDI Share's logic: reading, matching, checking, extracting, encrypting, sending. Imports no Qt."""
