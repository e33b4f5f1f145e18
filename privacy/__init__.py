"""Personal data, masked in one place: every log line, stored transcript, API answer and ticket.

What counts as personal data here, valid or not (a mistyped ID number is still someone's ID number):

- 居民身份证号码: 18 characters (17 digits and a digit or X), also written 6-8-4 with spaces or hyphens,
  and the old 15-digit numbers. Masked to the region and the last four (``440309********0023``); a
  15-digit number keeps the first six and the last three (``440309******123``).
- Mainland mobile numbers: ``1[3-9]`` and nine more digits, also written ``138 1234 5678`` or
  ``138-1234-5678``, with or without ``+86``, ``86`` or ``0086``. Masked to ``138****5678`` (a prefix is
  kept as written).
- Bank card and account numbers: 12 to 30 digits, and card numbers written in groups of four separated by
  spaces or hyphens (at least four groups). Masked to ``****`` and the last four (``****0123``).
- Names of citizens, where the caller knows it holds one: ``mask_name("陈桂兰") == "陈*兰"``.

Not personal data, never altered: 统一社会信用代码 (company codes are public, including the all-digit
ones with a valid check character), dates, times, amounts, decimals, application and policy ids, UUIDs,
page ids in the path of a URL, and any run of digits that is part of a longer token of letters and digits
(hex digests, ``SQ2026…``). A Chinese character next to digits is a boundary: ``身份证440309194803150023`` is
masked; so are a few labels glued to a number (``ID440309…``, ``Tel138…``) and escapes (``%E6%98%AF440309…``).

``privacy.masking`` holds the pure functions (standard library only); ``privacy.logging`` the log
filter, the formatter and ``install()``; ``privacy/logging.yml`` a logging configuration for
``rasa run --logging-config-file`` and ``python -m rasa_sdk --logging-config_file``.
"""
