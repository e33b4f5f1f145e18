"""Masking of ID numbers, mobile numbers and bank accounts in free text; pure functions, standard library only.

``mask_text`` finds personal data with one regular expression and rewrites each match in its masked form.
A match must stand alone: the character before and after it is not an ASCII or full-width letter or digit
(Chinese characters, punctuation, spaces and the ends of the text are boundaries), nor part of a decimal
number (``0.138123456789012`` is a float, not a phone number). Percent escapes (``%E6%98%AF``) and
``\\uXXXX`` / ``\\xXX`` escapes before a number count as boundaries, so URL-encoded and ASCII-escaped
Chinese text is masked too. In an absolute URL a long number in the path is a page id, not a bank account
(IDs and mobile numbers are masked there too, and everything in the query string); the groups of a UUID
are never taken for a bank account.

Masked forms contain ``*`` where digits were, so masking masked text changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Iterable, Iterator, List, NamedTuple, Optional, Tuple

__all__ = [
    "KINDS",
    "PROVINCES",
    "Finding",
    "contains_personal_data",
    "find_personal_data",
    "is_company_code",
    "mask_account",
    "mask_id_number",
    "mask_json",
    "mask_name",
    "mask_phone",
    "mask_text",
    "plausible_id_number",
]

KINDS = ("id_number", "phone", "bank_account")

_TOKEN = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # ASCII and full-width letters and digits
_D = "[0-9\uff10-\uff19]"
_ID_LAST = "[0-9\uff10-\uff19Xx\uff38\uff58]"
_SEP = "[ \\-]"
_HEX = "[0-9A-Fa-f]"

_BEFORE = (
    f"(?:(?<![{_TOKEN}])(?<![0-9]\\.)"  # not inside a token, not the fraction of a decimal
    f"|(?<=%{_HEX}{{2}})|(?<=\\\\u{_HEX}{{4}})|(?<=\\\\x{_HEX}{{2}})"  # after an escaped character
    # after a label glued to the number (ID440309…, Tel13812345678); none of them can occur in hex
    "|(?<=[Ii][Dd])|(?<=[Nn][Oo])|(?<=[Tt][Ee][Ll])|(?<=[Pp]hone)|(?<=[Mm]obile)|(?<=\uff29\uff24))"
)
_AFTER = f"(?![{_TOKEN}])(?![.\uff0e][0-9])"
# A UUID's groups are not bank numbers: its last group (12 hex characters, sometimes all digits) and its
# three middle groups (which can read as 4-4-4 digits).
_NOT_UUID_TAIL = f"(?<!{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-)"
_NOT_UUID_MIDDLE = f"(?<!{_HEX}{{8}}-)"

_URL = "(?<![A-Za-z])https?://[^\\s\"'<>()\\[\\]{}\u3000-\u303f\uff01-\uff20\uff3b-\uff40\uff5b-\uff65]+"
_DATA = (
    f"{_BEFORE}(?:"
    # 18-character ID number, compact or written 6-8-4.
    f"(?P<id18>{_D}{{6}}{_SEP}?{_D}{{8}}{_SEP}?{_D}{{3}}{_ID_LAST})"
    # Mobile number, optionally with +86 / 86 / 0086, compact or written 3-4-4.
    f"|(?P<phone_prefix>(?:\\+|00)?86{_SEP}?)?(?P<phone>[1\uff11][3-9\uff13-\uff19]{_D}(?:{_SEP}?{_D}{{4}}){{2}})"
    # Old 15-digit ID number.
    f"|(?P<id15>{_D}{{15}})"
    # Bank card in groups of four (at least four groups, as cards have 16-19 digits: "2024 2025 2026" is
    # not one; the same separator throughout).
    f"|{_NOT_UUID_MIDDLE}(?P<bank_grouped>{_D}{{4}}(?P<gsep>{_SEP}){_D}{{4}}(?:(?P=gsep){_D}{{4}}){{2,}}"
    f"(?:(?P=gsep){_D}{{1,4}})?)"
    # Bank card or account number.
    f"|{_NOT_UUID_TAIL}(?P<bank>{_D}{{12,30}})"
    f"){_AFTER}"
)
# Every match starts with one of the characters of the leading lookahead: lets the engine move on quickly.
# Skipped: a percent escape (its hex digits are not the start of a number). An absolute URL is masked part
# by part with PATTERN_IN_URL (see _replacer).
PATTERN = re.compile(f"(?=[0-9\uff10-\uff19%+h])(?:(?P<skip>%{_HEX}{{2}})|(?P<url>{_URL})|{_DATA})")
PATTERN_IN_URL = re.compile(f"(?=[0-9\uff10-\uff19%+])(?:(?P<skip>%{_HEX}{{2}})|(?P<url>(?!))|{_DATA})")

_SEPARATORS = re.compile(_SEP)
_DIGIT = re.compile(_D)

# GB 32100 (统一社会信用代码) and GB 11643 province codes, to leave all-digit company codes alone.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
})
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


class Finding(NamedTuple):
    kind: str  # one of KINDS
    start: int
    end: int


def _compact(s: str) -> str:
    return _SEPARATORS.sub("", s)


def plausible_id_number(s: str) -> bool:
    """An 18- or 15-digit ID number whose region and birth date could be real (the check digit may be wrong)."""
    digits = _compact(s.strip()).translate(_FULL_WIDTH)
    if len(digits) not in (15, 18) or not digits[:-1].isdigit() or digits[:2] not in PROVINCES:
        return False
    year, month, day = ((digits[6:10], digits[10:12], digits[12:14]) if len(digits) == 18
                        else ("19" + digits[6:8], digits[8:10], digits[10:12]))
    try:
        born = dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return 1900 <= born.year <= dt.date.today().year


def is_company_code(s: str) -> bool:
    """A 统一社会信用代码: the right GB 32100 check character, and not shaped like an ID number.

    Enterprises registered before 2015 often have all-digit codes (their old organisation code was all
    digits); company codes are public. A mistyped ID number keeps its region and birth date, so it is
    taken for a company code only when the mistake hits one of them and the check character happens to fit.
    """
    code = _compact(s.strip()).translate(_FULL_WIDTH).upper()
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code) or plausible_id_number(code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def _classify(m: re.Match, bank: bool = True) -> Optional[str]:
    """The kind of personal data a match of PATTERN holds; None for a skipped token or a URL."""
    if m.group("skip") is not None or m.group("url") is not None:
        return None
    if m.group("id18") is not None:
        return None if is_company_code(m.group("id18")) else "id_number"
    if m.group("phone") is not None:
        return "phone"
    if m.group("id15") is not None:
        return "id_number"
    return "bank_account" if bank else None


def _url_parts(url: str) -> Tuple[str, str]:
    """The part up to the query or fragment (where long numbers are page ids), and the rest."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return url[:cut], url[cut:]


def _scan(text: str) -> Iterator[Tuple[str, int, int]]:
    for m in PATTERN.finditer(text):
        if m.group("url") is not None:
            path, rest = _url_parts(m.group("url"))
            for part, offset, bank in ((path, m.start(), False), (rest, m.start() + len(path), True)):
                for inner in PATTERN_IN_URL.finditer(part):
                    kind = _classify(inner, bank)
                    if kind is not None:
                        yield kind, offset + inner.start(), offset + inner.end()
            continue
        kind = _classify(m)
        if kind is not None:
            yield kind, m.start(), m.end()


def find_personal_data(text: str) -> List[Finding]:
    """Where ``text`` holds personal data, and of which kind."""
    return [Finding(*found) for found in _scan(text)]


def contains_personal_data(text: str, kinds: Iterable[str] = KINDS) -> bool:
    """True when ``text`` holds an unmasked ID number, mobile number or bank account (of ``kinds``)."""
    wanted = set(kinds)
    return any(kind in wanted for kind, _, _ in _scan(text))


def _replacer(bank: bool) -> Callable[[re.Match], str]:
    def replace(m: re.Match) -> str:
        if m.group("url") is not None:
            path, rest = _url_parts(m.group("url"))
            return PATTERN_IN_URL.sub(_REPLACE_NO_BANK, path) + PATTERN_IN_URL.sub(_REPLACE, rest)
        kind = _classify(m, bank)
        if kind is None:
            return m.group(0)
        if kind == "phone":
            return (m.group("phone_prefix") or "") + mask_phone(m.group("phone"))
        if kind == "id_number":
            return mask_id_number(m.group(0))
        return mask_account(m.group(0))

    return replace


_REPLACE = _replacer(bank=True)
_REPLACE_NO_BANK = _replacer(bank=False)


def mask_text(text: str) -> str:
    """``text`` with every ID number, mobile number and bank account masked (valid or not)."""
    if not text or not _DIGIT.search(text):
        return text
    return PATTERN.sub(_REPLACE, text)


def mask_id_number(s: str) -> str:
    """``440309********0023`` for an 18-character number, ``440309******123`` for a 15-digit one."""
    compact = _compact(s.strip())
    if len(compact) == 18:
        return compact[:6] + "*" * 8 + compact[-4:]
    if len(compact) == 15:
        return compact[:6] + "*" * 6 + compact[-3:]
    return "*" * len(compact)


def mask_phone(s: str) -> str:
    """``138****5678``: the first three and the last four digits (a ``+86`` prefix is kept)."""
    m = re.fullmatch(f"(?P<prefix>(?:\\+|00)?86{_SEP}?)?(?P<number>[1\uff11]{_D}{{2}}(?:{_SEP}?{_D}{{4}}){{2}})",
                     s.strip())
    if m:
        number = _compact(m.group("number"))
        return (m.group("prefix") or "") + number[:3] + "****" + number[-4:]
    if "*" in s:
        return s  # already masked
    digits = "".join(_DIGIT.findall(s))
    if len(digits) < 8:
        return "*" * len(s)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_account(s: str) -> str:
    """``****0123``: four stars and the last four digits, whatever the length and grouping."""
    digits = "".join(_DIGIT.findall(s))
    if len(digits) > 4 or (digits and s.lstrip().startswith("*")):
        return "****" + digits[-4:]
    return "****"


def mask_name(name: str) -> str:
    """``陈*兰``, ``李*``, ``欧阳**锋``: the first and (from three characters) the last character kept."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_json(obj: Any) -> Any:
    """A copy of a JSON-like value with every string masked (dict keys are left as they are)."""
    if isinstance(obj, str):
        return mask_text(obj)
    if isinstance(obj, dict):
        return {k: mask_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [mask_json(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(mask_json(v) for v in obj)
    return obj
