"""Electronic licences (电子证照) attached by reference, and which materials they cover (免证办)."""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Mapping, Tuple

# licence type -> words that name it in a policy's material list
KEYWORDS = {
    "营业执照": ("营业执照",),
    "国家高新技术企业证书": ("高新技术企业证书", "高企证书"),
    "专精特新中小企业认定证书": ("专精特新",),
    "居民身份证": ("身份证",),
    "居住证": ("居住证",),
    "居民户口簿": ("户口簿", "户口本", "户籍证明"),
    "学历证书": ("学历", "毕业证"),
    "残疾人证": ("残疾人证",),
}


def _ref(kind: str, owner: str) -> str:
    digest = hashlib.sha256(f"{kind}:{owner}".encode()).hexdigest()[:16].upper()
    return f"elicence://gd.gov.cn/{digest}"


def licences_for(profile_id: str, kind: str, values: Mapping[str, Any]) -> List[Dict[str, str]]:
    found: List[str] = []
    if kind == "enterprise":
        found.append("营业执照")
        quals = values.get("qualifications") or ()
        if "国家高新技术企业" in quals:
            found.append("国家高新技术企业证书")
        if any("专精特新" in q for q in quals):
            found.append("专精特新中小企业认定证书")
    else:
        found.append("居民身份证")
        if values.get("has_residence_permit"):
            found.append("居住证")
        if values.get("hukou") == "深圳":
            found.append("居民户口簿")
        if values.get("education") in ("大专", "本科", "硕士", "博士"):
            found.append("学历证书")
        if values.get("disability_certificate_valid"):
            found.append("残疾人证")
    return [{"type": k, "reference": _ref(k, profile_id), "issuer": "广东省电子证照库"} for k in found]


def cover_materials(materials: List[str], licences: List[Dict[str, str]]) -> Tuple[List[Dict[str, str]], List[str]]:
    """Materials covered by an attached licence (no upload needed), and those still to be provided."""
    have = {lic["type"]: lic for lic in licences}
    covered, missing = [], []
    for item in materials:
        match = next((t for t, words in KEYWORDS.items() if t in have and any(w in item for w in words)), None)
        if match:
            covered.append({"material": item, "licence": match, "reference": have[match]["reference"]})
        else:
            missing.append(item)
    return covered, missing
